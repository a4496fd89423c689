"""Documents: upload, new versions, who may read what, the read log, comments on drafts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from flask_babel import gettext as _
from pydantic import StringConstraints
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from conference.agenda.models import CongressSession
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.dates import to_local, utcnow
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import categories
from conference.documents import files
from conference.documents.models import (
    CATEGORY_LABELS,
    Document,
    DocumentCategory,
    DocumentComment,
    DocumentRead,
    DocumentStatus,
    DocumentVersion,
    Visibility,
)
from conference.errors import Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.tables import table_file
from conference.validation import MAX_ID, OptionalText, Schema, Text, optional_int, validate

MAX_COMMENT_LENGTH = 4000
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Who sees a document: organizers everything, a delegate these, the public page only public ones.


class DocumentInput(Schema):
    title: Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    category: DocumentCategory = DocumentCategory.OTHER
    visibility: Visibility = Visibility.DELEGATES
    status: DocumentStatus = DocumentStatus.DRAFT
    session_id: optional_int(1, MAX_ID) = None


class CommentInput(Schema):
    text: Annotated[Text, StringConstraints(min_length=1, max_length=MAX_COMMENT_LENGTH)]
    section: Annotated[OptionalText, StringConstraints(max_length=200)] = ""


FIELDS = tuple(DocumentInput.model_fields)
UPLOAD_FIELDS = FIELDS  # the form fields of an upload besides the file


def max_document_mb() -> int:
    """The size limit of one file (CONFERENCE_MAX_DOCUMENT_MB), for the forms' help text."""
    return files.max_document_bytes() // (1024 * 1024)


def _not_found() -> NotFound:
    return NotFound(_("Document not found."), code="document_not_found")


# --- organizers: upload, edit, versions, delete ------------------------------------------------


def _checked(congress: Congress, data: dict) -> DocumentInput:
    values = validate(DocumentInput, data)
    if values.session_id is not None and db.session.scalar(
            select(CongressSession.congress_id).where(
                CongressSession.id == values.session_id)) != congress.id:
        message = _("No session of this congress has this id.")
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"session_id": message})
    return values


def _new_version(actor: Actor, document: Document, number: int, filename: str,
                 data: bytes) -> DocumentVersion:
    """Check the file's content and store it as version `number` of `document`."""
    kind = files.detect_kind(data, filename)
    version = DocumentVersion(
        number=number, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        filename=files.clean_filename(filename, kind, document.title[:100]),
        stored_name=files.store_file(document.congress_id, kind, data),
        uploaded_by_id=actor.user.id if actor.user else None)
    document.versions.append(version)
    files.make_thumbnail(document.congress_id, version.stored_name, kind)
    return version


def _commit_or_forget(congress_id: int, version: DocumentVersion) -> None:
    """Commit; if that fails, remove the file just written so no orphan stays on disk.

    Two versions uploaded at the same moment get the same number: the second one is refused.
    """
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        files.delete_file(congress_id, version.stored_name)
        if isinstance(error, IntegrityError):
            raise Conflict(_("Another version was uploaded at the same moment. Reload the "
                             "page and try again."), code="version_conflict") from None
        raise


def create_document(actor: Actor, congress: Congress, data: dict, filename: str,
                    content: bytes) -> Document:
    """Upload a document: its metadata is checked first, then the file by its content."""
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    values = _checked(congress, data)
    document = Document(congress_id=congress.id, current_version=1, **values.model_dump())
    version = _new_version(actor, document, 1, filename, content)
    db.session.add(document)
    db.session.flush()
    record(actor, "document.create", congress_id=congress.id, target=f"document:{document.id}",
           details={"title": document.title, "file": version.filename, "size": version.size})
    _commit_or_forget(congress.id, version)
    return document


def add_version(actor: Actor, document: Document, filename: str,
                content: bytes) -> DocumentVersion:
    """Upload a new version; it supersedes the others, which stay listed for organizers."""
    authorize(actor, document.congress, Capability.EDIT_CONGRESS)
    number = max(v.number for v in document.versions) + 1
    version = _new_version(actor, document, number, filename, content)
    document.current_version = number
    document.updated_at = utcnow()
    record(actor, "document.version", congress_id=document.congress_id,
           target=f"document:{document.id}",
           details={"version": number, "file": version.filename, "size": version.size})
    _commit_or_forget(document.congress_id, version)
    return version


def document_values(document: Document) -> dict:
    return {name: getattr(document, name) for name in FIELDS}


def update_document(actor: Actor, document: Document, changes: dict) -> Document:
    """Change title, category, visibility, status or session (any subset)."""
    authorize(actor, document.congress, Capability.EDIT_CONGRESS)
    values = _checked(document.congress, document_values(document) | dict(changes))
    changed = {k: v for k, v in values.model_dump().items() if getattr(document, k) != v}
    for name, value in changed.items():
        setattr(document, name, value)
    if changed:
        document.updated_at = utcnow()
        record(actor, "document.update", congress_id=document.congress_id,
               target=f"document:{document.id}", details={k: str(v) for k, v in changed.items()})
    db.session.commit()
    return document


def delete_document(actor: Actor, document: Document) -> None:
    """Delete a document with its versions, read log and comments (recorded in the audit)."""
    authorize(actor, document.congress, Capability.EDIT_CONGRESS)
    congress_id, names = document.congress_id, [v.stored_name for v in document.versions]
    record(actor, "document.delete", congress_id=congress_id, target=f"document:{document.id}",
           details={"title": document.title, "versions": len(names)})
    db.session.delete(document)
    db.session.commit()
    for name in names:
        files.delete_file(congress_id, name)


def get_document(actor: Actor, document_id: int,
                 capability: Capability = Capability.EDIT_CONGRESS) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise _not_found()
    authorize(actor, document.congress, capability)
    return document


def get_version(document: Document, number: int | None = None) -> DocumentVersion:
    """A version of the document (the current one by default), or NotFound."""
    number = document.current_version if number is None else number
    version = next((v for v in document.versions if v.number == number), None)
    if version is None:
        raise NotFound(_("This version does not exist."), code="version_not_found")
    return version


def list_documents(actor: Actor, congress: Congress) -> list[Document]:
    """Every document of the congress for its organizers, newest version first."""
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    return list(db.session.scalars(_newest_first(
        select(Document).where(Document.congress_id == congress.id))))


def _newest_first(query):
    latest = (select(DocumentVersion.uploaded_at)
              .where(DocumentVersion.document_id == Document.id,
                     DocumentVersion.number == Document.current_version)
              .scalar_subquery())
    return query.order_by(latest.desc(), Document.id.desc())


def file_path(document: Document, version: DocumentVersion) -> Path:
    path = files.stored_path(document.congress_id, version.stored_name)
    if path is None:
        raise NotFound(_("The file of this document is missing. Ask the organizers to upload "
                         "it again."), code="file_missing")
    return path


def thumbnail(document: Document) -> Path | None:
    """The first-page picture of the current version, if one could be drawn."""
    return files.thumbnail_path(document.congress_id, get_version(document).stored_name)


# --- delegates and the public ------------------------------------------------------------------


def readable_visibilities(delegate: Delegate) -> list[Visibility]:
    """What a delegate may read: public documents; delegates' ones unless withdrawn; official
    delegates' ones too when their category counts for the quorum (not guests)."""
    if delegate.status == DelegateStatus.WITHDRAWN:
        return [Visibility.PUBLIC]
    readable = [Visibility.PUBLIC, Visibility.DELEGATES]
    if any(category.key == delegate.category and category.counts_for_quorum
           for category in categories(delegate.congress)):
        readable.append(Visibility.OFFICIAL)
    return readable


def may_read(delegate: Delegate, document: Document) -> bool:
    """Whether the delegate may open the document (see `readable_visibilities`)."""
    return (document.congress_id == delegate.congress_id
            and document.visibility in readable_visibilities(delegate))


def delegate_document(delegate: Delegate, document_id: int) -> Document:
    """A document the delegate may read, or NotFound (also for one they may not see)."""
    document = db.session.get(Document, document_id)
    if document is None or not may_read(delegate, document):
        raise _not_found()
    return document


def record_read(delegate: Delegate, document: Document) -> None:
    """Log that the delegate opened the document's current version."""
    db.session.add(DocumentRead(document_id=document.id, delegate_id=delegate.id,
                                version=document.current_version))
    db.session.commit()


def public_document(congress: Congress, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if (document is None or document.congress_id != congress.id
            or document.visibility != Visibility.PUBLIC):
        raise _not_found()
    return document


@dataclass(frozen=True)
class ReaderEntry:
    """A document as a delegate's portal lists it: `change` is "new" (never opened),
    "updated" (a newer version since they last opened it) or "" (read as it is)."""

    document: Document
    version: DocumentVersion
    change: str


def delegate_documents(delegate: Delegate) -> list[ReaderEntry]:
    """The documents a delegate may read, newest version first, each flagged new or updated."""
    documents = _visible_documents(delegate.congress_id, readable_visibilities(delegate))
    last_read = dict(db.session.execute(
        select(DocumentRead.document_id, func.max(DocumentRead.version))
        .where(DocumentRead.delegate_id == delegate.id)
        .group_by(DocumentRead.document_id)).all())
    entries = []
    for document, version in documents:
        seen = last_read.get(document.id)
        change = "new" if seen is None else ("updated" if seen < version.number else "")
        entries.append(ReaderEntry(document, version, change))
    return entries


def public_documents(congress: Congress) -> list[tuple[Document, DocumentVersion]]:
    """The congress's public documents, newest version first."""
    return _visible_documents(congress.id, [Visibility.PUBLIC])


def _visible_documents(congress_id: int, visibility: list[str]):
    """(document, current version) pairs in one query, newest version first."""
    rows = db.session.execute(
        select(Document, DocumentVersion)
        .join(DocumentVersion, (DocumentVersion.document_id == Document.id)
              & (DocumentVersion.number == Document.current_version))
        .where(Document.congress_id == congress_id, Document.visibility.in_(visibility))
        .order_by(DocumentVersion.uploaded_at.desc(), Document.id.desc()))
    return [tuple(row) for row in rows]


# --- the read log ------------------------------------------------------------------------------


def read_counts(actor: Actor, congress: Congress) -> dict:
    """Opens per document and per delegate, for the organizers' read log page and export."""
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    per_document = {row.document_id: row for row in db.session.execute(
        select(DocumentRead.document_id, func.count(DocumentRead.id).label("reads"),
               func.count(func.distinct(DocumentRead.delegate_id)).label("readers"),
               func.max(DocumentRead.read_at).label("last"))
        .join(Document, Document.id == DocumentRead.document_id)
        .where(Document.congress_id == congress.id)
        .group_by(DocumentRead.document_id))}
    per_delegate = list(db.session.execute(
        select(Delegate, func.count(DocumentRead.id).label("reads"),
               func.count(func.distinct(DocumentRead.document_id)).label("documents"),
               func.max(DocumentRead.read_at).label("last"))
        .join(DocumentRead, DocumentRead.delegate_id == Delegate.id)
        .where(Delegate.congress_id == congress.id)
        .group_by(Delegate.id).order_by(Delegate.name_key, Delegate.id)))
    return {"per_document": per_document, "per_delegate": per_delegate}


def document_reads(actor: Actor, document: Document) -> list[tuple[DocumentRead, Delegate]]:
    """Every open of one document, newest first, with who opened it."""
    authorize(actor, document.congress, Capability.EDIT_CONGRESS)
    return [tuple(row) for row in db.session.execute(
        select(DocumentRead, Delegate).join(Delegate, Delegate.id == DocumentRead.delegate_id)
        .where(DocumentRead.document_id == document.id)
        .order_by(DocumentRead.read_at.desc(), DocumentRead.id.desc()))]


def _local(value: datetime | None, congress: Congress) -> str:
    return to_local(value, congress.timezone).strftime(CSV_TIME_FORMAT) if value else ""


def export_reads(actor: Actor, congress: Congress) -> tuple[str, str, bytes]:
    """One CSV row per delegate and document: how often, which version last, when last."""
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    rows: list[list] = [[_("Code"), _("Full name"), _("Delegation"), _("Document"),
                         _("Opens"), _("Last version opened"), _("Last opened")]]
    for delegate, title, reads, version, last in db.session.execute(
            select(Delegate, Document.title, func.count(DocumentRead.id),
                   func.max(DocumentRead.version), func.max(DocumentRead.read_at))
            .join(DocumentRead, DocumentRead.delegate_id == Delegate.id)
            .join(Document, Document.id == DocumentRead.document_id)
            .where(Document.congress_id == congress.id)
            .group_by(Delegate.id, Document.id, Document.title)
            .order_by(Delegate.name_key, Delegate.id, Document.title)):
        rows.append([delegate.code, delegate.full_name, delegate.delegation, title, reads,
                     version, _local(last, congress)])
    record(actor, "document.reads_export", congress_id=congress.id,
           details={"rows": len(rows) - 1})
    db.session.commit()
    return table_file(f"document-reads-{congress.slug}", "csv", rows, congress.slug)


# --- comments on drafts ------------------------------------------------------------------------


def send_comment(actor: Actor, delegate: Delegate, document_id: int,
                 data: dict) -> DocumentComment:
    """Keep a delegate's comment on a draft document; a final document takes no more."""
    document = delegate_document(delegate, document_id)
    if delegate.status == DelegateStatus.WITHDRAWN:
        raise Conflict(_("A delegate who has withdrawn cannot send comments."),
                       code="delegate_withdrawn")
    if document.status != DocumentStatus.DRAFT:
        raise Conflict(_("This document is final: comments are closed."), code="document_final")
    values = validate(CommentInput, data)
    comment = DocumentComment(document_id=document.id, delegate_id=delegate.id,
                              version=document.current_version, **values.model_dump())
    db.session.add(comment)
    record(actor, "document.comment", congress_id=document.congress_id,
           target=f"document:{document.id}", details={"delegate": delegate.code})
    db.session.commit()
    return comment


def list_comments(actor: Actor, congress: Congress, *, document_id: int | None = None,
                  handled: bool | None = None) -> list[DocumentComment]:
    """The comments on the congress's documents, newest first, optionally filtered."""
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    query = (select(DocumentComment).join(Document, Document.id == DocumentComment.document_id)
             .where(Document.congress_id == congress.id))
    if document_id is not None:
        query = query.where(DocumentComment.document_id == document_id)
    if handled is not None:
        query = query.where(DocumentComment.handled.is_(handled))
    return list(db.session.scalars(query.order_by(DocumentComment.created_at.desc(),
                                                  DocumentComment.id.desc())))


def get_comment(actor: Actor, comment_id: int) -> DocumentComment:
    comment = db.session.get(DocumentComment, comment_id)
    if comment is None:
        raise NotFound(_("Comment not found."), code="comment_not_found")
    authorize(actor, comment.document.congress, Capability.EDIT_CONGRESS)
    return comment


def set_comment_handled(actor: Actor, comment: DocumentComment, handled: bool) -> None:
    """Mark a comment handled by the drafting team (or open it again)."""
    authorize(actor, comment.document.congress, Capability.EDIT_CONGRESS)
    if comment.handled != handled:
        comment.handled = handled
        comment.handled_at = utcnow() if handled else None
        comment.handled_by_id = actor.user.id if handled and actor.user else None
        record(actor, "document.comment_handled", congress_id=comment.document.congress_id,
               target=f"comment:{comment.id}", details={"handled": handled})
    db.session.commit()


COMMENT_WIDTHS = [20, 40, 8, 24, 12, 28, 24, 60, 10]


def export_comments(actor: Actor, congress: Congress, kind: str, *,
                    document_id: int | None = None,
                    handled: bool | None = None) -> tuple[str, str, bytes]:
    """The (filtered) comments as CSV or XLSX: (file name, type, bytes)."""
    comments = list_comments(actor, congress, document_id=document_id, handled=handled)
    rows: list[list] = [[_("Time"), _("Document"), _("Version"), _("Section"), _("Code"),
                         _("Full name"), _("Delegation"), _("Comment"), _("Handled")]]
    for c in comments:
        rows.append([_local(c.created_at, congress), c.document.title, c.version, c.section,
                     c.delegate.code, c.delegate.full_name, c.delegate.delegation, c.text,
                     _("yes") if c.handled else _("no")])
    record(actor, "document.comments_export", congress_id=congress.id,
           details={"format": kind, "rows": len(rows) - 1})
    db.session.commit()
    return table_file(f"comments-{congress.slug}", kind, rows, congress.slug, COMMENT_WIDTHS)


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))
