"""Know your diaspora: the public report (small counts suppressed), the staff report (exact
counts) and a CSV file for every table of each."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from placement.auth.decorators import public, staff_required
from placement.diaspora import charts, services
from placement.diaspora.forms import DiasporaFilterForm
from placement.diaspora.suppression import Published
from placement.geo import country_choices

bp = Blueprint("diaspora", __name__, url_prefix="/diaspora")


def _lang() -> str:
    return str(get_locale() or "en")


def figure(value: Published | None) -> str:
    """A figure in the page's locale; markers (<10, c) as they are; no figure as empty."""
    if value is None:
        return ""
    if isinstance(value, int):
        return format_decimal(value)
    return value


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"figure": figure}


def _filters() -> tuple[DiasporaFilterForm, services.Filters]:
    """The filters from the query string; a value not in the lists is ignored, and said so."""
    from placement.experts.forms import SECTOR_LABELS

    form = DiasporaFilterForm(request.args)
    form.fill_choices(country_choices(origins_first=True), list(SECTOR_LABELS.items()))
    form.validate()
    origin = form.origin.data or None
    sector = form.sector.data or None
    if form.origin.errors:
        form.origin.errors = [_("This is not a country in the list: showing all countries.")]
        origin = None
    if form.sector.errors:
        form.sector.errors = [_("This is not a sector in the list: showing all sectors.")]
        sector = None
    return form, services.Filters(origin=origin, sector=sector)


def _render(template: str, *, exact: bool) -> str:
    form, filters = _filters()
    report = services.build_report(filters, exact=exact, lang=_lang())
    geometry = charts.load_geometry(
        str(current_app.static_folder) + "/geo/world.json"  # shipped with the project
    )
    rtl = bool(get_locale() and get_locale().text_direction == "rtl")
    # One scale for all the supply-versus-needs charts, so that countries can be compared.
    common_scale = charts.largest_figure(
        bar.values for comparison in report.comparisons for bar in comparison.bars
    )
    return render_template(
        template,
        form=form,
        report=report,
        world=charts.world_map(geometry, report.residence),
        sector_chart=charts.bar_chart(
            [(bar.label, bar.values) for bar in report.sector_bars], fmt=figure, rtl=rtl
        ),
        occupation_chart=charts.bar_chart(
            [(bar.label, bar.values) for bar in report.occupation_bars], fmt=figure, rtl=rtl
        ),
        comparison_charts=[
            (
                comparison,
                charts.bar_chart(
                    [(bar.label, bar.values) for bar in comparison.bars],
                    fmt=figure,
                    rtl=rtl,
                    series_names=(_("Experts"), _("Open positions")),
                    width=360,
                    longest=common_scale,
                ),
            )
            for comparison in report.comparisons
        ],
        csv_endpoint="diaspora.staff_export_csv" if exact else "diaspora.export_csv",
    )


@bp.route("/")
@public
def index() -> str:
    return _render("diaspora/index.html", exact=False)


@bp.route("/staff")
@staff_required
def staff() -> str:
    return _render("diaspora/staff.html", exact=True)


def _csv(*, exact: bool) -> Response:
    """The table named by ``?table=``, with the page's filters; an unknown table is a 400."""
    table = request.args.get("table", "")
    allowed = services.STAFF_TABLE_IDS if exact else services.PUBLIC_TABLE_IDS
    if table not in allowed:
        abort(400)
    _form, filters = _filters()
    report = services.build_report(filters, exact=exact, lang=_lang())
    grid = report.grids[table]
    parts = ["diaspora", "staff-exact" if exact else "public", table]
    parts += [value for _key, value in sorted(filters.query_args().items())]
    return Response(
        # A byte-order mark, so that spreadsheets read the names as UTF-8.
        "\ufeff" + grid.csv_text(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{"-".join(parts)}.csv"'},
    )


@bp.route("/table.csv")
@public
def export_csv() -> Response:
    """A public table as shown on the page: small counts suppressed, others rounded."""
    return _csv(exact=False)


@bp.route("/staff/table.csv")
@staff_required
def staff_export_csv() -> Response:
    """A staff table: exact counts, not for publication (the file name says so)."""
    return _csv(exact=True)
