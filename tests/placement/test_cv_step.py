"""The CV step: upload, suggestions with their sentence, accept or reject one by one, and the
undecided ones as the engine's suggested skills."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from matching.taxonomy import Taxonomy
from placement.extensions import db
from placement.matches.records import expert_record, expert_records_where
from placement.models import (
    AuditEvent,
    CvSuggestion,
    Document,
    ExpertProfile,
    Role,
    SuggestionStatus,
    User,
)
from tests import factories
from tests.samples import docx_bytes, pdf_bytes

CV = (
    "Curriculum vitae\n"
    "Work experience\n"
    "Taught chemistry to secondary school students and managed budgets for the department.\n"
    "Skills\n"
    "project management"
)


@pytest.fixture
def expert(login_as: Callable[..., User]) -> ExpertProfile:
    return login_as(Role.EXPERT).expert_profile


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _upload(client: FlaskClient, data: bytes, name: str, kind: str = "cv") -> object:
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


def _uri(label: str) -> str:
    return Taxonomy.load().resolve(label)[0].uri


def _suggestion(uri: str) -> CvSuggestion:
    db.session.expire_all()
    return db.session.scalars(select(CvSuggestion).where(CvSuggestion.esco_uri == uri)).first()


def _decide(client: FlaskClient, document: Document, suggestion: CvSuggestion, decision: str):
    return client.post(
        f"/expert/documents/{document.uuid}/skills",
        data={"suggestion": str(suggestion.uuid), "decision": decision},
    )


def _profile(expert: ExpertProfile) -> ExpertProfile:
    db.session.expire_all()
    return db.session.get(ExpertProfile, expert.id)


def test_upload_opens_the_suggestions_with_their_sentence(
    client: FlaskClient, expert: ExpertProfile
) -> None:
    response = _upload(client, pdf_bytes(CV), "cv.pdf")
    document = db.session.scalars(select(Document)).one()
    assert response.headers["Location"].endswith(f"/expert/documents/{document.uuid}/skills")
    page = _page(client.get(response.headers["Location"]))
    assert "manage budgets" in page and "project management" in page
    assert "managed budgets for the department." in page  # the sentence it came from
    assert "From the skills part of your CV" in page
    assert "Very likely" in page or "Likely" in page
    listing = _page(client.get("/expert/documents"))
    assert "Suggest skills from this CV" in listing
    assert f"/expert/documents/{document.uuid}/skills" in listing


def test_accept_reject_and_the_engine_record(client: FlaskClient, expert: ExpertProfile) -> None:
    _upload(client, pdf_bytes(CV), "cv.pdf")
    document = db.session.scalars(select(Document)).one()
    budgets, projects = _uri("manage budgets"), _uri("project management")
    teach = _uri("teach chemistry")

    profile = _profile(expert)
    before = expert_record(profile)
    assert {budgets, projects, teach} <= set(before.suggested_skills)
    assert budgets not in before.skills

    response = _decide(client, document, _suggestion(budgets), "accept")
    assert response.status_code == 302
    assert "added to your skills" in _page(client.get(response.headers["Location"]))
    _decide(client, document, _suggestion(projects), "reject")

    profile = _profile(expert)
    assert budgets in {s.esco_uri for s in profile.skills}
    assert projects not in {s.esco_uri for s in profile.skills}
    assert _suggestion(budgets).status is SuggestionStatus.ACCEPTED
    assert _suggestion(projects).status is SuggestionStatus.REJECTED
    record = expert_record(profile)
    assert budgets in record.skills and budgets not in record.suggested_skills
    assert projects not in record.suggested_skills and teach in record.suggested_skills
    bulk = expert_records_where(ExpertProfile.id == profile.id)[profile.id][1]
    assert bulk == record

    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("cv.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["cv.suggestion_accept", "cv.suggestion_reject"]
    page = _page(client.get(f"/expert/documents/{document.uuid}/skills"))
    assert "rejected, not suggested again" in page

    # A second CV saying the same: neither decided concept is asked again.
    _upload(client, docx_bytes(CV), "cv.docx")
    second = db.session.scalars(select(Document).order_by(Document.id.desc())).first()
    uris = set(
        db.session.scalars(
            select(CvSuggestion.esco_uri).where(CvSuggestion.document_id == second.id)
        )
    )
    assert budgets not in uris and projects not in uris and teach in uris
    # Deciding a concept on one CV decides it on the other too.
    _decide(client, second, _suggestion_of(second, teach), "reject")
    assert all(
        s.status is SuggestionStatus.REJECTED
        for s in db.session.scalars(select(CvSuggestion).where(CvSuggestion.esco_uri == teach))
    )


def _suggestion_of(document: Document, uri: str) -> CvSuggestion:
    return db.session.scalars(
        select(CvSuggestion).where(
            CvSuggestion.document_id == document.id, CvSuggestion.esco_uri == uri
        )
    ).one()


def test_accepting_an_occupation_sets_it(client: FlaskClient, expert: ExpertProfile) -> None:
    _upload(client, pdf_bytes("Profile\nSecondary school teacher in Freetown."), "cv.pdf")
    document = db.session.scalars(select(Document)).one()
    occupation = db.session.scalars(
        select(CvSuggestion).where(CvSuggestion.kind == "occupation")
    ).first()
    assert occupation is not None
    response = _decide(client, document, occupation, "accept")
    assert "is now your occupation" in _page(client.get(response.headers["Location"]))
    assert _profile(expert).occupation_uri == occupation.esco_uri


def test_plain_text_cv(client: FlaskClient, expert: ExpertProfile) -> None:
    response = _upload(client, CV.encode("utf-8"), "cv.txt")
    document = db.session.scalars(select(Document)).one()
    assert document.content_type == "text/plain" and document.original_name == "cv.txt"
    assert document.extracted_text.splitlines()[1] == "Work experience"
    assert response.headers["Location"].endswith("/skills")


def test_scanned_pdf_is_kept_and_explained(client: FlaskClient, expert: ExpertProfile) -> None:
    response = _upload(client, pdf_bytes(""), "scan.pdf")
    document = db.session.scalars(select(Document)).one()  # the upload is not lost
    assert document.extracted_text is None
    page = _page(client.get(response.headers["Location"]))
    assert "could not read any text in it" in page
    assert "No text could be read from this file." in page
    assert f"/expert/documents/{document.uuid}/skills" not in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.pdf", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.pdf", "Only PDF, Word (.docx)"),
        (b"<html><body>cv</body></html>", "cv.txt", "Only PDF, Word (.docx)"),
    ],
)
def test_bad_files_get_a_clear_message(
    client: FlaskClient, expert: ExpertProfile, data: bytes, name: str, message: str
) -> None:
    response = _upload(client, data, name)
    assert response.status_code == 200 and message in _page(response)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_a_20_mb_file_is_refused_with_the_page_kept(
    client: FlaskClient, expert: ExpertProfile
) -> None:
    response = _upload(client, b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "big.pdf")
    page = _page(response)
    assert response.status_code == 413
    assert "The file is larger than 5 MB." in page and 'name="kind"' in page
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_someone_elses_cv_is_not_found(
    app: Flask, client: FlaskClient, login: Callable[[User], User]
) -> None:
    owner = factories.ExpertFactory()
    login(owner.user)
    _upload(client, pdf_bytes(CV), "cv.pdf")
    document = db.session.scalars(select(Document)).one()
    suggestion = db.session.scalars(select(CvSuggestion)).first()
    intruder = factories.ExpertFactory()
    other = app.test_client()
    other.post("/login", data={"email": intruder.user.email, "password": factories.PASSWORD})
    url = f"/expert/documents/{document.uuid}/skills"
    assert other.get(url).status_code == 404
    data = {"suggestion": str(suggestion.uuid), "decision": "accept"}
    assert other.post(url, data=data).status_code == 404
    # The intruder's own CV cannot be used to decide the owner's suggestion either.
    other.post(
        "/expert/documents",
        data={"kind": "cv", "file": (io.BytesIO(pdf_bytes(CV)), "mine.pdf")},
        content_type="multipart/form-data",
    )
    mine = db.session.scalars(select(Document).where(Document.id != document.id)).one()
    response = other.post(f"/expert/documents/{mine.uuid}/skills", data=data)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(CvSuggestion, suggestion.id).status is SuggestionStatus.SUGGESTED


def test_bad_decisions(client: FlaskClient, expert: ExpertProfile) -> None:
    _upload(client, pdf_bytes(CV), "cv.pdf")
    document = db.session.scalars(select(Document)).one()
    url = f"/expert/documents/{document.uuid}/skills"
    suggestion = db.session.scalars(select(CvSuggestion)).first()
    assert client.post(url, data={"suggestion": "nope", "decision": "accept"}).status_code == 404
    response = client.post(url, data={"suggestion": str(suggestion.uuid), "decision": "maybe"})
    assert response.status_code == 200  # the page again, nothing decided
    _decide(client, document, suggestion, "reject")
    assert _decide(client, document, suggestion, "accept").status_code == 404  # decided once


def test_deleting_the_cv_drops_undecided_and_keeps_rejections(
    client: FlaskClient, expert: ExpertProfile
) -> None:
    _upload(client, pdf_bytes(CV), "cv.pdf")
    document = db.session.scalars(select(Document)).one()
    projects = _uri("project management")
    _decide(client, document, _suggestion(projects), "reject")
    client.post(f"/expert/documents/{document.uuid}/delete")
    db.session.expire_all()
    rows = db.session.scalars(select(CvSuggestion)).all()
    assert [(r.esco_uri, r.status, r.document_id) for r in rows] == [
        (projects, SuggestionStatus.REJECTED, None)
    ]
    assert expert_record(_profile(expert)).suggested_skills == ()


def test_export_and_erasure(client: FlaskClient, expert: ExpertProfile) -> None:
    _upload(client, pdf_bytes(CV), "cv.pdf")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/expert/data/export").data))
    exported = json.loads(archive.read("data.json"))
    assert any("managed budgets" in row["sentence"] for row in exported["cv_suggestions"])
    response = client.post(
        "/expert/data/delete", data={"password": factories.PASSWORD, "confirm": "y"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CvSuggestion)) == 0
