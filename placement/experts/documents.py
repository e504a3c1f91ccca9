"""Uploaded documents: type checked from the bytes, stored outside static/, served only to
those allowed, and CV text turned into skill suggestions.

A file is accepted only if its content is a PDF, a Word .docx package or plain UTF-8 text,
whatever its name says; it is stored under a random name in UPLOAD_DIR and always served as an
attachment. The text of a CV is kept line by line, since its headings (Experience, Skills...)
are what :func:`matching.cv.find_sections` reads; a CV whose text cannot be read (a scanned
PDF holds only pictures of text) is still kept, and the person is told why no skills are
proposed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import (
    BOOKED_STATUSES,
    Document,
    DocumentKind,
    ExpertProfile,
    InstitutionMember,
    Need,
    Placement,
    PlacementStatus,
    User,
)

log = logging.getLogger(__name__)
MAX_BYTES = 5 * 1024 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
# Control characters other than tab, line feed, form feed and carriage return mark a binary file.
_BINARY = {*range(0, 9), 11, *range(14, 32), 127}
# A .docx holds a few dozen parts; limits keep a crafted archive (zip bomb) from hurting us.
MAX_DOCX_PARTS = 2000
MAX_DOCX_UNPACKED = 50 * 1024 * 1024
MAX_PDF_PAGES = 30
MAX_TEXT = 200_000
_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Hosts see documents once the placement is approved and for as long as it lasts or is done.
_HOST_CAN_SEE = BOOKED_STATUSES | {PlacementStatus.COMPLETED}


NO_TEXT_MESSAGE = _l(
    "Your CV is saved, but we could not read any text in it: a scanned PDF holds only pictures "
    "of text. To get skill suggestions, upload a PDF or Word file saved from a text document, "
    "or add your skills yourself in your profile."
)


class DocumentError(Exception):
    """Why an upload was refused; translated, safe to show."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


def sniff(data: bytes) -> Sniffed:
    """What the bytes really are; anything but a PDF or a .docx is refused."""
    if data.startswith(b"%PDF-"):
        return Sniffed(PDF, "pdf")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError) as error:
            raise DocumentError(str(_l("This file is damaged or not a Word document."))) from error
        if len(names) > MAX_DOCX_PARTS or unpacked > MAX_DOCX_UNPACKED:
            raise DocumentError(str(_l("This Word document is too large once unpacked.")))
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise DocumentError(str(_l("Documents with macros are not accepted.")))
            _refuse_dtd(data)
            return Sniffed(DOCX, "docx")
    if _is_plain_text(data):
        return Sniffed(TEXT, "txt")
    raise DocumentError(str(_l("Only PDF, Word (.docx) and plain text (.txt) files are accepted.")))


def _is_plain_text(data: bytes) -> bool:
    """UTF-8 text without control characters, and not markup (a page or a script saved as
    .txt is refused: it is never a CV)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if any(ord(c) in _BINARY for c in text[:100_000]):
        return False
    return not text.lstrip().startswith("<")


# Reading a part of a damaged or unusual archive fails in any of these ways.
_UNREADABLE = (
    SafeElementTree.ParseError,
    zipfile.BadZipFile,
    ValueError,
    NotImplementedError,  # an unsupported compression method
    RuntimeError,  # an encrypted part
    EOFError,
    zlib.error,
)


def _refuse_dtd(data: bytes) -> None:
    """Refuse a word/document.xml that declares a DTD. Word never writes one (the Open
    Packaging Conventions do not allow DTDs), and every entity trick needs one: the billion
    laughs, external entities. A DTD can only come before the root element, so the part is
    read only that far."""
    damaged = str(_l("This file is damaged or not a Word document."))
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            archive.open("word/document.xml") as part,
        ):
            for _event, _root in SafeElementTree.iterparse(
                part, events=("start",), forbid_dtd=True
            ):
                return  # the root element has begun: no DTD
    except DefusedXmlException as error:  # before ValueError, which it is too
        raise DocumentError(
            str(_l("Word documents with a DTD or entity declarations are not accepted."))
        ) from error
    except _UNREADABLE as error:
        raise DocumentError(damaged) from error
    raise DocumentError(damaged)  # no element at all


def _upload_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(document: Document) -> Path:
    return _upload_dir() / document.stored_name


def store_upload(profile: ExpertProfile, upload: FileStorage, kind: DocumentKind) -> Document:
    """Check and keep an uploaded file; the text of a CV is extracted for skill suggestions."""
    try:
        data = upload.stream.read(MAX_BYTES + 1)
    finally:
        upload.close()  # large uploads are spooled to a temporary file
    if len(data) > MAX_BYTES:
        raise DocumentError(str(_l("The file is larger than 5 MB.")))
    if not data:
        raise DocumentError(str(_l("The file is empty.")))
    sniffed = sniff(data)
    original = secure_filename(upload.filename or "")[:200] or f"document.{sniffed.extension}"
    if not original.lower().endswith(f".{sniffed.extension}"):
        original = f"{original.rsplit('.', 1)[0]}.{sniffed.extension}"
    stored_name = f"{secrets.token_hex(20)}.{sniffed.extension}"
    path = _upload_dir() / stored_name
    path.write_bytes(data)
    path.chmod(0o600)
    document = Document(
        expert_id=profile.id,
        kind=kind,
        original_name=original,
        stored_name=stored_name,
        content_type=sniffed.content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        extracted_text=extract_text(data, sniffed.content_type)
        if kind is DocumentKind.CV
        else None,
    )
    profile.documents.append(document)
    db.session.flush()
    return document


def extract_text(data: bytes, content_type: str) -> str | None:
    """Text of a PDF, .docx or text file, one line per non-empty line, or None when there is
    none to read (a scanned or encrypted PDF, a damaged file)."""
    readers = {PDF: _pdf_text, DOCX: _docx_text, TEXT: _plain_text}
    try:
        text = readers[content_type](data)
    except Exception:
        log.info("could not extract text from an uploaded %s", content_type)
        return None
    lines = (" ".join(line.split()) for line in text.splitlines())
    text = "\n".join(line for line in lines if line)
    return text[:MAX_TEXT] or None


def _plain_text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES])


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml")
    root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    paragraphs = []
    for paragraph in root.iter(f"{_WORD_NS}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_WORD_NS}t":
                parts.append(node.text or "")
            elif node.tag in (f"{_WORD_NS}br", f"{_WORD_NS}cr"):
                parts.append("\n")
            elif node.tag == f"{_WORD_NS}tab":
                parts.append(" ")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def remove_document(profile: ExpertProfile, document: Document) -> Path:
    """Drop the record (and the suggestions not yet decided from it); returns the file to
    delete after the commit."""
    from placement.experts.cv import forget_document

    forget_document(document)
    path = stored_path(document)
    profile.documents.remove(document)
    db.session.flush()
    return path


def delete_files(paths: list[Path]) -> None:
    """Called after a commit, so a rolled-back change never loses a file."""
    for path in paths:
        path.unlink(missing_ok=True)


def document_for(user: User, document_uuid: str) -> Document | None:
    """The document if ``user`` may read it: its owner, staff, or a member of a host institution
    with an approved placement of this expert. Anyone else gets None (shown as 'not found')."""
    key = parse_uuid(document_uuid)
    if key is None:
        return None
    document = db.session.scalar(select(Document).where(Document.uuid == key))
    if document is None:
        return None
    if user.is_staff or document.expert.user_id == user.id:
        return document
    host_has_placement = db.session.scalar(
        select(
            exists()
            .where(Placement.expert_id == document.expert_id)
            .where(Placement.status.in_(_HOST_CAN_SEE))
            .where(Placement.need_id == Need.id)
            .where(Need.institution_id == InstitutionMember.institution_id)
            .where(InstitutionMember.user_id == user.id)
        )
    )
    return document if host_has_placement else None
