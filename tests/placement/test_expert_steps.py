"""The expert's list steps, limits and displays (issue 17 points 4-8): rows added one at a time
without JavaScript, a stated summary limit that keeps what was typed, a timeline whose months
line up with its bars, file sizes a person can read, languages and countries that fit."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from placement.experts.forms import MAX_ROWS, SUMMARY_MAX
from placement.experts.services import file_size
from placement.experts.timeline import timeline
from placement.extensions import db
from placement.geo import country_choices, language_choices
from placement.models import AvailabilityWindow, Document, DocumentKind, ExpertProfile, Role, User
from tests import factories


@pytest.fixture
def expert(login_as: Callable[..., User]) -> ExpertProfile:
    return login_as(Role.EXPERT).expert_profile


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _fresh(expert: ExpertProfile) -> ExpertProfile:
    db.session.expire_all()
    return db.session.get(ExpertProfile, expert.id)


class TestRows:
    def test_languages_start_with_the_saved_rows_only(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        page = _page(client.get("/expert/profile/step/2"))
        saved = len(expert.languages)
        assert page.count('name="languages-') // 2 == max(1, saved)  # code and level per row
        assert "Add a language" in page

    def test_add_a_language_keeps_what_was_typed_and_saves_nothing(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        before = [(x.code, x.level) for x in expert.languages]
        response = client.post(
            "/expert/profile/step/2",
            data={"languages-0-code": "kri", "languages-0-level": "native", "add_row": "languages"},
        )
        page = _page(response)
        assert response.status_code == 200
        assert 'name="languages-1-code"' in page and '<option selected value="kri">' in page
        assert [(x.code, x.level) for x in _fresh(expert).languages] == before
        assert "need your attention" not in page

    def test_a_fourth_and_fifth_language_are_saved(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        codes = ["kri", "en", "tem", "men", "fr"]
        data = {f"languages-{i}-code": c for i, c in enumerate(codes)}
        data |= {f"languages-{i}-level": "B2" for i in range(len(codes))}
        client.post("/expert/profile/step/2", data=data)
        assert sorted(x.code for x in _fresh(expert).languages) == sorted(codes)

    def test_remove_a_row(self, client: FlaskClient, expert: ExpertProfile) -> None:
        data = {
            "languages-0-code": "en",
            "languages-0-level": "C1",
            "languages-1-code": "fr",
            "languages-1-level": "B1",
            "remove_row": "languages-0",
        }
        page = _page(client.post("/expert/profile/step/2", data=data))
        assert 'name="languages-0-code"' not in page and 'name="languages-1-code"' in page

    @pytest.mark.parametrize(
        "extra",
        [{"add_row": "users"}, {"remove_row": "languages"}, {"remove_row": "x-0"}],
    )
    def test_unknown_row_buttons_are_ordinary_saves(
        self, client: FlaskClient, expert: ExpertProfile, extra: dict[str, str]
    ) -> None:
        data = {"languages-0-code": "ha", "languages-0-level": "C1", **extra}
        response = client.post("/expert/profile/step/2", data=data)
        assert response.status_code == 302
        assert [x.code for x in _fresh(expert).languages] == ["ha"]

    def test_rows_are_capped(self, client: FlaskClient, expert: ExpertProfile) -> None:
        data = {f"skills-{i}-label": f"skill number {i}" for i in range(MAX_ROWS + 10)}
        client.post("/expert/profile/step/3", data=data)
        assert len(_fresh(expert).skills) == MAX_ROWS

    def test_one_qualification_block_then_add_another(
        self, client: FlaskClient, login: Callable
    ) -> None:
        profile = factories.ExpertFactory()
        profile.qualifications = []
        db.session.commit()
        login(profile.user)
        page = _page(client.get("/expert/profile/step/4"))
        assert page.count('name="qualifications-') == 5  # one block of five fields
        page = _page(
            client.post(
                "/expert/profile/step/4",
                data={"qualifications-0-title": "BSc Nursing", "add_row": "qualifications"},
            )
        )
        assert page.count('name="qualifications-') == 10 and 'value="BSc Nursing"' in page


class TestSummaryLimit:
    def test_a_long_summary_is_refused_and_everything_kept(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        summary = ("Teacher of welding and electrics. " * 400)[:10_000]
        before = _fresh(expert).summary
        response = client.post(
            "/expert/profile/step/3",
            data={"skills-0-label": "welding", "years_experience": "9", "summary": summary},
        )
        page = _page(response)
        assert response.status_code == 200
        assert f"Keep this text to {SUMMARY_MAX} characters; it has 10000 now" in page
        assert summary.strip() in page and 'value="welding"' in page and 'value="9"' in page
        assert _fresh(expert).summary == before

    def test_a_long_education_is_refused_and_kept(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        education = "MSc " * 1500
        page = _page(client.post("/expert/profile/step/4", data={"education": education}))
        assert f"Keep this text to {SUMMARY_MAX} characters; it has 5999 now" in page
        assert education.strip() in page

    def test_the_limit_is_stated_and_counted(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        page = _page(client.get("/expert/profile/step/3"))
        assert f'data-counter="{SUMMARY_MAX}"' in page and f"at most {SUMMARY_MAX}" in page
        assert "js/counter" in page

    def test_what_is_stored_is_what_was_typed(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        summary = "Línea 1 — «soins» & <b>tags</b>\r\nligne 2: 100 % ✓ " + "é" * (SUMMARY_MAX - 60)
        summary = summary[:SUMMARY_MAX]
        started = time.perf_counter()
        response = client.post("/expert/profile/step/3", data={"summary": summary})
        assert response.status_code == 302
        client.get(response.headers["Location"])
        print(
            f"save and reload a {len(summary)}-character summary: "
            f"{time.perf_counter() - started:.2f} s"
        )
        stored = _fresh(expert).summary
        assert stored == summary.strip().replace("\r\n", "\n") or stored == summary.strip()


class TestDisplays:
    def test_timeline_months_line_up_across_a_year_boundary(self, app: Flask) -> None:
        window = AvailabilityWindow(start=date(2027, 1, 10), end=date(2027, 6, 30))
        with app.test_request_context():
            drawn = timeline([window], date(2026, 12, 3))
        (bar,) = drawn.bars
        names = {m.label: m.x for m in drawn.months}
        assert list(names)[:3] == ["Dec", "Jan", "Feb"]
        # The bar starts inside January (after its first tick) and ends at the end of June.
        january = next(t.x for t in drawn.ticks if t.label == "Jan")
        july = next(t.x for t in drawn.ticks if t.label == "Jul")
        assert january < bar.x < names["Jan"] + 1 and abs(bar.x + bar.width - july) < 0.3
        assert names["Jan"] < bar.x + bar.width and names["Jun"] < bar.x + bar.width
        assert names["Jul"] > bar.x + bar.width
        years = [m.year for m in drawn.months if m.year]
        assert years == ["2027"]  # under January; "2026" would overlap it under December
        with app.test_request_context():
            spring = timeline([], date(2027, 3, 15))
        assert [m.year for m in spring.months if m.year] == ["2027", "2028"]

    def test_timeline_runs_from_the_right_in_rtl_pages(self, app: Flask) -> None:
        window = AvailabilityWindow(start=date(2027, 1, 10), end=date(2027, 6, 30))
        with app.test_request_context():
            ltr = timeline([window], date(2026, 12, 3))
            rtl = timeline([window], date(2026, 12, 3), rtl=True)
        assert rtl.bars[0].x == pytest.approx(100 - ltr.bars[0].x - ltr.bars[0].width, abs=0.02)
        assert [m.x for m in rtl.months] == [pytest.approx(100 - m.x, abs=0.02) for m in ltr.months]

    @pytest.mark.parametrize(
        ("size", "locale", "shown"),
        [
            (0, "en", "0 bytes"),
            (170, "en", "170 bytes"),
            (999, "en", "999 bytes"),
            (170, "fr", "170 octets"),
            (1_000, "en", "1 kB"),
            (1_550, "en", "1.6 kB"),
            (1_550, "fr", "1,6 ko"),
            (4_800_000, "en", "4.8 MB"),
        ],
    )
    def test_file_sizes(self, app: Flask, size: int, locale: str, shown: str) -> None:
        with app.test_request_context(headers={"Accept-Language": locale}):
            assert file_size(size).replace("\u202f", " ").replace("\xa0", " ") == shown

    def test_documents_page_shows_bytes(self, client: FlaskClient, expert: ExpertProfile) -> None:
        profile = _fresh(expert)
        profile.documents.append(
            Document(
                kind=DocumentKind.OTHER,
                original_name="note.pdf",
                stored_name="0" * 40 + ".pdf",
                content_type="application/pdf",
                size_bytes=170,
                sha256="0" * 64,
            )
        )
        db.session.commit()
        page = _page(client.get("/expert/documents"))
        assert "170 bytes" in page and "0 kB" not in page


class TestLists:
    def test_countries_without_uninhabited_territories(self, app: Flask) -> None:
        with app.test_request_context():
            codes = {code for code, _ in country_choices()}
        assert {"SL", "GH", "NL", "XK"} <= codes
        assert not {"AQ", "BV", "HM", "TF", "GS", "UM"} & codes

    def test_origin_lists_put_the_running_programmes_countries_first(
        self, app: Flask, app_ctx: None
    ) -> None:
        factories.ProgrammeFactory(eligible_origin_countries=["SL", "LR"])
        factories.ProgrammeFactory(eligible_origin_countries=["GH"])
        factories.ProgrammeFactory(eligible_origin_countries=["ZW"], active=False)
        ended = date.today() - timedelta(days=1)
        factories.ProgrammeFactory(eligible_origin_countries=["YE"], end=ended)
        db.session.commit()
        with app.test_request_context():
            plain = [code for code, _ in country_choices()]
            origins = [code for code, _ in country_choices(origins_first=True)]
        assert origins[:3] == ["GH", "LR", "SL"]  # alphabetical among themselves
        assert origins[3:] == [c for c in plain if c not in {"GH", "LR", "SL"}]
        assert sorted(origins) == sorted(plain)  # nothing added or lost

    def test_forms_of_origin_and_placement_offer_programme_countries_first(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        factories.ProgrammeFactory(eligible_origin_countries=["SL"])
        db.session.commit()
        page = _page(client.get("/expert/profile/step/1"))
        origin = page[page.index('name="origin_country"') :]
        residence = page[page.index('name="residence_country"') :]
        assert origin.index('value="SL"') < origin.index('value="AF"')
        assert residence.index('value="AF"') < residence.index('value="SL"')

    def test_languages_of_the_country_then_un_then_the_rest(self, app: Flask) -> None:
        with app.test_request_context():
            codes = [code for code, _ in language_choices("SL", "NL")]
            plain = [code for code, _ in language_choices()]
        assert codes[:5] == ["kri", "en", "men", "tem", "nl"]
        assert plain[:6] == ["ar", "zh", "en", "fr", "ru", "es"]
        assert {"tw", "ak", "ee", "ff", "wo", "ha", "yo", "ig", "ln", "kg"} <= set(plain)
        assert {"ti", "om", "so", "am", "lia", "kss", "pcm"} <= set(plain)
        assert not {"ae", "cu", "pi", "vo"} & set(plain)
        assert len(codes) == len(set(codes))

    def test_language_names_in_the_page_language(self, app: Flask) -> None:
        with app.test_request_context(headers={"Accept-Language": "fr"}):
            names = dict(language_choices())
        assert names["men"] == "mendé" and names["kri"] == "krio" and names["de"] == "allemand"

    def test_the_step_offers_the_expert_country_languages_first(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        profile = _fresh(expert)
        profile.origin_country, profile.residence_country = "SL", "NL"
        db.session.commit()
        page = _page(client.get("/expert/profile/step/2"))
        assert "<select data-combobox" in page
        page = page[page.index('name="languages-0-code"') :]
        first = page.index('<option value="kri"')
        assert (
            first
            < page.index('<option value="nl"')
            < page.index('<option value="ar"')
            < page.index('<option value="ha"')
        )


class TestHonestMatches:
    def test_needs_without_skill_evidence_are_shown_apart(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        fitting = factories.NeedFactory(title="Clinical examination trainer")
        far = factories.NeedFactory(
            title="Hospital accounts officer",
            description="Keep the hospital's accounts; physician practice budgets.",
            details=False,
        )
        far.skills = [factories.NeedSkill(label="prepare financial statements", required=True)]  # type: ignore[attr-defined]
        far.languages = [factories.NeedLanguage(code="en", level=factories.CEFRLevel.B2)]  # type: ignore[attr-defined]
        db.session.commit()
        page = _page(client.get("/expert/"))
        recommended = page[page.index('id="matches-heading"') : page.index('id="weaker-heading"')]
        weaker = page[page.index('id="weaker-heading"') :]
        assert fitting.title in recommended and far.title not in recommended
        assert far.title in weaker and "They are not recommendations" in weaker
        # The main reasons are on the card, outside the "Why this score" details.
        card = recommended[recommended.index(fitting.title) :]
        assert card.index("Your skills that match:") < card.index("<details>")
        assert "perform clinical examination" in card[: card.index("<details>")]

    def test_no_weaker_section_when_every_match_has_evidence(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        factories.NeedFactory(title="Clinical examination trainer")
        page = _page(client.get("/expert/"))
        assert "Clinical examination trainer" in page and 'id="weaker-heading"' not in page
