"""Documents, their read log and comments as the API answers them."""

from __future__ import annotations

from pydantic import AliasPath, Field

from conference.schemas import Instant, Output


class DocumentVersion(Output):
    """One uploaded file; `kind` is what its content is (pdf, docx, xlsx, png, jpeg)."""

    number: int
    filename: str
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: Instant


class Document(Output):
    """A document; `version` is the current one (delegates get it), `versions` all of them,
    newest first."""

    id: int
    congress_id: int
    title: str
    category: str
    visibility: str
    status: str
    session_id: int | None
    version: int = Field(validation_alias="current_version")
    versions: list[DocumentVersion]
    created_at: Instant
    updated_at: Instant


class DocumentList(Output):
    documents: list[Document]


class DocumentRead(Output):
    """A delegate opened `version` of the document at `read_at`."""

    delegate_id: int
    delegate_code: str = Field(validation_alias=AliasPath("delegate", "code"))
    full_name: str = Field(validation_alias=AliasPath("delegate", "full_name"))
    version: int
    read_at: Instant


class DocumentReads(Output):
    """Every open of a document, newest first; `readers` counts different delegates."""

    document_id: int
    total: int
    readers: int
    reads: list[DocumentRead]


class Comment(Output):
    """A delegate's comment on a draft (plain text, as typed) on `version` of the document."""

    id: int
    document_id: int
    delegate_id: int
    delegate_code: str = Field(validation_alias=AliasPath("delegate", "code"))
    full_name: str = Field(validation_alias=AliasPath("delegate", "full_name"))
    version: int
    section: str
    text: str
    created_at: Instant
    handled: bool
    handled_at: Instant | None


class CommentList(Output):
    comments: list[Comment]
