"""API routes for documents: upload, new versions, list, read log, comments on drafts.

Uploads are multipart/form-data (the file and the metadata as form fields), not JSON.
"""

from __future__ import annotations

from typing import Annotated

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from spectree import Tag
from spectree.model_adapter.pydantic_adapter import BaseFile

from conference.api import api_actor, operation
from conference.api.spec import FILE_MISSING, STANDARD_ERRORS, api_model
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.documents import service
from conference.documents.schemas import CommentList, Document, DocumentList, DocumentReads
from conference.documents.service import UPLOAD_FIELDS
from conference.errors import ValidationFailed
from conference.validation import MAX_ID, optional_int

TAG = Tag(name="documents", description="Congress documents, their read log and comments on "
                                        "drafts.")
FILE_ERRORS = {
    413: "`too_large`: the file is larger than CONFERENCE_MAX_DOCUMENT_MB.",
    415: "`unsupported_file`: the content is not PDF, DOCX, XLSX, PNG or JPEG, whatever the "
         "file's name says; `type_mismatch`: the name claims another kind than the content "
         "(e.g. a PNG named .pdf).",
}
EMPTY_FILE = f"`empty_file`: the file is empty; {FILE_MISSING}"
# The file (PDF, DOCX, XLSX, PNG or JPEG, judged by its content) and its details as form fields.
DocumentUpload = api_model(service.DocumentInput, "DocumentUpload", strict=False,
                           file=(BaseFile, ...))


class DocumentVersionUpload(BaseModel):
    """The new version's file."""

    model_config = ConfigDict(extra="forbid")
    file: BaseFile


class CommentQuery(BaseModel):
    document_id: optional_int(1, MAX_ID) = Field(
        default=None, description="Only the comments on this document.")
    handled: Annotated[bool | None, BeforeValidator(lambda v: v or None)] = Field(
        default=None, description="true: only handled comments; false: only those not "
                                  "handled yet.")


def _file() -> tuple[str, bytes]:
    """The multipart field `file`: (its name as sent, its bytes)."""
    upload = request.files.get("file")
    if upload is None:
        message = _("Send the document as the multipart/form-data field “file”.")
        raise ValidationFailed(message, code="file_missing", fields={"file": message})
    return upload.filename or "", upload.read()


@operation.post("/congresses/<int:congress_id>/documents", ok=Document, status=201,
                form=DocumentUpload, tag=TAG, errors={
                    **FILE_ERRORS, 422: f"{EMPTY_FILE} `validation_failed`: e.g. `visibility` "
                                        "is not public, delegates, official or organizers, or "
                                        "`session_id` names no session of this congress."})
def create_document(congress_id: int):
    """Upload a document (version 1) with its title, category, who may read it and an
    optional session of the congress."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_CONGRESS)
    data = {name: request.form[name] for name in UPLOAD_FIELDS if name in request.form}
    return service.create_document(api_actor(), congress, data, *_file()), 201


@operation.get("/congresses/<int:congress_id>/documents", ok=DocumentList, tag=TAG)
def list_documents(congress_id: int):
    """List the congress's documents with all their versions, newest first."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_CONGRESS)
    return {"documents": service.list_documents(api_actor(), congress)}


@operation.post("/documents/<int:document_id>/versions", ok=Document, status=201,
                form=DocumentVersionUpload, tag=TAG,
                errors={**FILE_ERRORS, 422: f"{EMPTY_FILE} {STANDARD_ERRORS[422]}"})
def create_version(document_id: int):
    """Upload a new version; it supersedes the current one for delegates and the public,
    older ones stay listed."""
    document = service.get_document(api_actor(), document_id)
    service.add_version(api_actor(), document, *_file())
    return document, 201


@operation.get("/documents/<int:document_id>/reads", ok=DocumentReads, tag=TAG)
def document_reads(document_id: int):
    """The read log of a document: which delegate opened which version when."""
    document = service.get_document(api_actor(), document_id)
    reads = service.document_reads(api_actor(), document)
    return {"document_id": document.id, "total": len(reads),
            "readers": len({delegate.id for _read, delegate in reads}),
            "reads": [read for read, _delegate in reads]}


@operation.get("/congresses/<int:congress_id>/comments", ok=CommentList, query=CommentQuery,
               tag=TAG, errors={422: "`validation_failed`: `document_id` or `handled` is not "
                                     "valid."})
def list_comments(congress_id: int, query: CommentQuery):
    """Delegates' comments on draft documents, newest first."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_CONGRESS)
    return {"comments": service.list_comments(api_actor(), congress,
                                              document_id=query.document_id,
                                              handled=query.handled)}
