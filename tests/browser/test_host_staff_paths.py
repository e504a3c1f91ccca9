"""Issue 18 in a real browser, in English and in Arabic: the host's path (post a need, send it,
see the approval explained, see the ranking, confirm an expert) and the staff's path (review,
verify, open, propose, approve only once the host confirmed, an overlapping approval refused with
a clear message, an assignment lock with its reason, a crisis declared, alerted and closed in one
confirmed step, and the audit trail in sentences). Texts are looked up in the catalogs, so the
Arabic run checks the Arabic pages; screenshots go to SHOTS."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from placement.extensions import db
from placement.models import (
    ExpertSkill,
    NeedSkill,
    NeedStatus,
    PlacementStatus,
    VerificationStatus,
    utcnow,
)
from tests import factories
from tests.browser.conftest import log_out

pytestmark = pytest.mark.browser
# Kept after the run so people can look at them (HOMEWARD_SHOTS overrides the place).
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-issue18"
LANGUAGES = ["en", "ar"]


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def t(live_app: Flask, lang: str) -> object:
    """The catalog's text for ``msgid`` in the language of the run."""

    def translate(msgid: str, **values: object) -> str:
        with live_app.test_request_context(), force_locale(lang):
            return gettext(msgid, **values)

    return translate


def _shot(page: object, lang: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)


def _as(page: object, email: str) -> None:
    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()


@pytest.fixture
def cast(live_app: Flask, lang: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:4]
    with live_app.app_context():
        staff = factories.StaffFactory(locale=lang, full_name=f"Fatmata Kamara {tag}")
        host = factories.HostMemberFactory(
            user__locale=lang, institution__name=f"Makeni City Council {tag}"
        )
        pending = factories.InstitutionFactory(
            status=VerificationStatus.PENDING, name=f"Kenema Hospital {tag}"
        )
        expert = factories.ExpertFactory(
            user__locale=lang,
            user__full_name=f"Abena Boateng {tag}",
            occupation_label="mechanical engineer",
        )
        # Another expert of the same name: the lists must tell them apart.
        namesakes = [
            factories.ExpertFactory(
                user__full_name=f"Kofi Mensah {tag}", occupation_label=occupation
            )
            for occupation in ("water engineer", "plumber")
        ]
        for person in namesakes:  # only they fit the planned need well
            person.skills.append(ExpertSkill(label=f"repair water pumps model {tag}"))
        # An accepted, confirmed placement of the same expert on the same dates: approving it
        # after the first one must be refused with a clear message.
        other_need = factories.NeedFactory(institution=host.institution, title=f"Pump repair {tag}")
        clash = factories.PlacementFactory(
            need=other_need,
            expert=expert,
            status=PlacementStatus.ACCEPTED,
            host_confirmed_at=utcnow(),
            start=date.today() + timedelta(days=40),
            end=date.today() + timedelta(days=81),
        )
        programme = factories.ProgrammeFactory(name=f"Return of talent {tag}")
        planned = factories.NeedFactory(
            institution=host.institution,
            title=f"Clinical mentor {tag}",
            programme_id=programme.id,
            slots=2,
        )
        planned.skills = [NeedSkill(label=f"repair water pumps model {tag}", required=True)]
        db.session.commit()
        names = {
            "tag": tag,
            "staff": staff.email,
            "staff_name": staff.full_name,
            "host": host.user.email,
            "institution": host.institution.name,
            "pending": str(pending.uuid),
            "expert": expert.user.email,
            "expert_name": expert.user.full_name,
            "expert_short": expert.uuid.hex[:6],
            "namesakes": [p.uuid.hex[:6] for p in namesakes],
            "clash": str(clash.uuid),
            "programme": str(programme.uuid),
            "planned": planned.title,
        }
        assert planned.status is NeedStatus.OPEN
        db.session.remove()
    return names


def test_host_and_staff_paths_to_an_approved_placement(
    page: object, cast: dict[str, str], t: object, lang: str
) -> None:
    title = f"Mechanical engineer {cast['tag']}"

    # Staff verify a new institution: afterwards no Verify or Reject is offered.
    _as(page, cast["staff"])
    page.goto(f"/staff/institutions/{cast['pending']}")
    page.get_by_role("button", name=t("Verify")).click()
    expect(page.get_by_text(t("Decision recorded."))).to_be_visible()
    expect(page.get_by_role("button", name=t("Verify"))).to_have_count(0)
    expect(page.get_by_role("button", name=t("Reject"))).to_have_count(0)

    # The host posts a need and sends it.
    _as(page, cast["host"])
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.goto("/host/needs/new")
    page.locator("#title").fill(title)
    page.locator("#sector").select_option("engineering")
    page.locator("#required_skills-0").fill("perform clinical examination")
    page.locator("#languages-0-code").select_option("en")
    page.locator("#languages-0-level").select_option("B2")
    start = date.today() + timedelta(days=40)
    page.locator("#start").fill(start.isoformat())
    page.locator("#end").fill((start + timedelta(days=100)).isoformat())
    page.locator("#duration_weeks").fill("6")
    page.get_by_role("button", name=t("Save the draft")).click()
    page.get_by_role("button", name=t("Send to programme staff")).click()
    expect(page.get_by_text(t("Sent to programme staff for approval."))).to_be_visible()
    need_path = re.sub(r"^https?://[^/]+", "", page.url)
    need_id = need_path.rstrip("/").split("/")[-1]

    # Staff approve; the host reads who opens it and when (not "opens shortly").
    _as(page, cast["staff"])
    page.goto(f"/staff/needs/{need_id}")
    page.locator(f"form[action$='/staff/needs/{need_id}/approve'] button").click()
    expect(page.get_by_text(t("Decision recorded."))).to_be_visible()
    _as(page, cast["host"])
    page.goto(need_path)
    approved = t(
        "Approved by programme staff. Experts cannot see it yet: programme staff open it to"
        " experts next, and you are told when they do. Meanwhile you can look at the ranked"
        " candidates."
    )
    expect(page.get_by_text(approved)).to_be_visible()
    expect(page.get_by_role("heading", name=t("Ranked candidates"))).to_be_visible()
    _shot(page, lang, "host-need-approved")

    # Staff open it and propose the expert (told apart from the namesake by the short id).
    _as(page, cast["staff"])
    page.goto(f"/staff/needs/{need_id}")
    page.get_by_role("button", name=t("Open to experts")).click()
    candidate = page.locator("article.candidate", has_text=f"#{cast['expert_short']}")
    candidate.get_by_text(t("Propose this expert")).click()
    candidate.get_by_role("button", name=t("Propose")).click()
    page.get_by_role("button", name=t("Send the offer")).click()
    placement_path = re.sub(r"^https?://[^/]+", "", page.url)

    _as(page, cast["expert"])
    page.goto(placement_path)
    page.get_by_role("button", name=t("Accept")).click()

    # Staff are not offered an Approve that would fail: they see who must act, and remind them.
    _as(page, cast["staff"])
    page.goto(placement_path)
    expect(
        page.get_by_text(t("“%(action)s” is not possible yet.", action=t("Approve")))
    ).to_be_visible()
    expect(page.get_by_text(t("Waiting for the host to confirm this expert."))).to_be_visible()
    expect(page.locator("form[action$='/approve']")).to_have_count(0)
    _shot(page, lang, "staff-approve-blocked")
    page.get_by_role("button", name=t("Remind the host")).click()
    expect(page.locator(".flashes li.success")).to_be_visible()

    # The host is told with a link, sees the prompt on its dashboard, and confirms.
    _as(page, cast["host"])
    page.goto("/notifications/")
    expect(
        page.get_by_role(
            "link", name=re.compile(re.escape(t("Please confirm the expert for your need")))
        )
    ).to_be_visible()
    page.goto("/host/")
    expect(page.get_by_role("heading", name=t("Waiting for your confirmation"))).to_be_visible()
    _shot(page, lang, "host-dashboard-confirm")
    page.get_by_role("link", name=t("Confirm the expert for “%(title)s”", title=title)).click()
    page.get_by_role("button", name=t("Confirm this expert")).click()
    expect(page.get_by_text(t("confirmed by the host"))).to_be_visible()

    # Staff approve; the overlapping placement of the same expert is refused with a message.
    _as(page, cast["staff"])
    page.goto(placement_path)
    page.locator("form[action$='/approve'] button").click()
    expect(
        page.get_by_text(
            t("Done: the placement is now “%(state)s”.", state=t("Approved")), exact=True
        )
    ).to_be_visible()
    page.goto(f"/placements/{cast['clash']}")
    overlap = t("The expert already has an approved placement on overlapping dates.")
    expect(page.get_by_text(overlap)).to_be_visible()
    expect(page.locator("form[action$='/approve']")).to_have_count(0)
    _shot(page, lang, "staff-overlap-refused")

    # The audit trail reads as sentences with people, not codes.
    page.goto(f"/staff/audit?record={placement_path.split('/')[-1]}")
    trail = page.locator("ol.audit-trail")
    expect(trail).to_contain_text(cast["staff_name"])
    expect(trail).to_contain_text(t("reminded the host institution to confirm the expert"))
    expect(trail).to_contain_text(t("approved the placement"))
    expect(trail).not_to_contain_text("placement.approve")
    _shot(page, lang, "audit-trail")


def test_assignment_lock_and_crisis_closed_in_one_step(
    page: object, cast: dict[str, str], t: object, lang: str
) -> None:
    _as(page, cast["staff"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")

    # The global assignment: totals explained, namesakes told apart, a lock needs its reason.
    page.goto(f"/staff/programmes/{cast['programme']}/assignment")
    expect(page.locator(".totals-explained")).to_be_visible()
    first, second = cast["namesakes"]
    row = page.locator("tbody tr", has_text=cast["planned"]).filter(has_text=f"#{first}")
    expect(row).to_have_count(1)
    expect(page.locator("tbody tr", has_text=f"#{second}").first).to_be_visible()
    row.get_by_text(t("Lock or ban this pair")).click()
    row.locator("textarea").fill("Agreed with the council")
    row.get_by_role("button", name=t("Lock"), exact=True).click()
    expect(page.get_by_text(t("Rule saved; the plan below takes it into account."))).to_be_visible()
    row = page.locator("tbody tr", has_text=f"#{first}").first
    expect(row).to_contain_text("Agreed with the council")
    expect(row.get_by_role("button", name=t("Unlock"))).to_be_visible()
    expect(row.get_by_role("button", name=t("Lock"), exact=True)).to_have_count(0)
    _shot(page, lang, "assignment-locked")

    # A crisis: declared, an urgent need posted (no institution chosen for us), alerted.
    crisis = f"Floods in Freetown {cast['tag']}"
    page.goto("/staff/crises")
    page.locator("#name").fill(crisis)
    page.locator("#country").select_option("SL")
    page.locator("#start").fill(date.today().isoformat())
    page.get_by_role("button", name=t("Declare the crisis")).click()
    crisis_path = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_role("button", name=t("Post an urgent need")).click()
    expect(page.locator("#institution")).to_have_value("")
    urgent = f"Remote triage advice {cast['tag']}"
    page.locator("#title").fill(urgent)
    page.locator("#skills").fill("perform clinical examination")
    page.locator("#institution").select_option(label=cast["institution"])
    page.locator("#start").fill(date.today().isoformat())
    page.locator("#weeks").fill("3")
    page.locator("input[name=mode][value=remote]").check()
    page.get_by_role("button", name=t("Post the urgent need")).click()
    page.locator("#public").check()
    page.get_by_role("button", name=t("Send the alert")).click()
    expect(page.locator("h1")).to_be_visible()
    page.goto("/alerts")
    expect(page.get_by_role("heading", name=urgent)).to_be_visible()

    # Closing lists what will happen, needs a choice per need and a reason, then does it all.
    page.goto(crisis_path)
    expect(page.get_by_role("link", name=t("Stand the alert down"))).to_be_visible()
    page.get_by_role("button", name=t("Close this crisis…")).click()
    expect(page.get_by_role("heading", name=t("Alerts that will be stood down"))).to_be_visible()
    expect(page.get_by_text(t("removed from the public page of urgent calls"))).to_be_visible()
    page.locator("input[type=radio][value=close]").check()
    page.locator("#reason").fill("The water has receded.")
    _shot(page, lang, "crisis-close-confirm")
    page.get_by_role("button", name=t("Close the crisis and do all of the above")).click()
    expect(
        page.get_by_text(
            t(
                "This crisis is closed: its alerts are stood down and no new urgent need or"
                " alert can be posted."
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name=t("Alert experts"))).to_have_count(0)
    _shot(page, lang, "crisis-closed")
    page.goto("/alerts")
    expect(page.get_by_role("heading", name=urgent)).to_have_count(0)

    page.goto("/staff/audit")
    trail = page.locator("ol.audit-trail")
    for sentence in ("closed the crisis", "stood the alert down", "closed the need"):
        expect(trail).to_contain_text(t(sentence))
    expect(trail).to_contain_text("The water has receded.")
    expect(trail).not_to_contain_text("crisis.close")
