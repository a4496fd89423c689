"""Congress documents, their versions, who opened which version, and delegates' comments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.documents.files import KINDS
from conference.extensions import db


class Visibility(StrEnum):
    PUBLIC = "public"
    DELEGATES = "delegates"
    OFFICIAL = "official"  # delegates of the categories that count for the quorum
    ORGANIZERS = "organizers"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class DocumentCategory(StrEnum):
    POLITICAL_REPORT = "political_report"
    REVIEW_REPORT = "review_report"
    DRAFT_RESOLUTION = "draft_resolution"
    OTHER = "other"


class Document(db.Model):
    """A document of a congress; its file is the newest of its versions."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40), default=DocumentCategory.OTHER)
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.DELEGATES)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.DRAFT)
    current_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    congress = relationship("Congress")
    session = relationship("CongressSession")
    versions = relationship("DocumentVersion", order_by="DocumentVersion.number.desc()",
                            cascade="all, delete-orphan", passive_deletes=True,
                            back_populates="document")


class DocumentVersion(db.Model):
    """One uploaded file of a document, stored under a name the server made."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, cleaned; for downloads
    stored_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, docx, xlsx, png, jpeg
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    document = relationship("Document", back_populates="versions")

    @property
    def content_type(self) -> str:
        """The media type of what the file is (judged by its content when uploaded)."""
        return KINDS[self.kind][1]


class _ByDelegate:
    """Which delegate did something with which version of a document."""

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(
        ForeignKey("delegates.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()


class DocumentRead(_ByDelegate, db.Model):
    """A delegate opened a version of a document (the read log)."""

    __tablename__ = "document_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegate = relationship("Delegate", viewonly=True)


class DocumentComment(_ByDelegate, db.Model):
    """A delegate's comment on a draft, kept as plain text; the drafting team marks it handled."""

    __tablename__ = "document_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled: Mapped[bool] = mapped_column(default=False)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    document = relationship("Document")
    delegate = relationship("Delegate")


VISIBILITY_LABELS = {
    Visibility.PUBLIC: lazy_gettext("everyone (public page)"),
    Visibility.DELEGATES: lazy_gettext("delegates"),
    Visibility.OFFICIAL: lazy_gettext("official delegates only (who count for the quorum)"),
    Visibility.ORGANIZERS: lazy_gettext("organizers only"),
}
STATUS_LABELS = {
    DocumentStatus.DRAFT: lazy_gettext("draft"),
    DocumentStatus.FINAL: lazy_gettext("final"),
}
CATEGORY_LABELS = {
    DocumentCategory.POLITICAL_REPORT: lazy_gettext("political report"),
    DocumentCategory.REVIEW_REPORT: lazy_gettext("review report"),
    DocumentCategory.DRAFT_RESOLUTION: lazy_gettext("draft resolution"),
    DocumentCategory.OTHER: lazy_gettext("other"),
}
