"""API routes for documents: upload, new versions, list, read log, comments on drafts.

Uploads are multipart/form-data (the file and the metadata as form fields), not JSON.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from conference.api import api_actor, bp, query_flag, query_number
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.documents import service
from conference.documents.service import UPLOAD_FIELDS
from conference.errors import ValidationFailed


def _file() -> tuple[str, bytes]:
    """The multipart field `file`: (its name as sent, its bytes)."""
    upload = request.files.get("file")
    if upload is None:
        message = _("Send the document as the multipart/form-data field “file”.")
        raise ValidationFailed(message, code="file_missing", fields={"file": message})
    return upload.filename or "", upload.read()


@bp.post("/congresses/<int:congress_id>/documents")
def create_document(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_CONGRESS)
    data = {name: request.form[name] for name in UPLOAD_FIELDS if name in request.form}
    document = service.create_document(api_actor(), congress, data, *_file())
    return service.serialize_document(document), 201


@bp.get("/congresses/<int:congress_id>/documents")
def list_documents(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_CONGRESS)
    return {"documents": [service.serialize_document(d)
                          for d in service.list_documents(api_actor(), congress)]}


@bp.post("/documents/<int:document_id>/versions")
def create_version(document_id: int):
    document = service.get_document(api_actor(), document_id)
    service.add_version(api_actor(), document, *_file())
    return service.serialize_document(document), 201


@bp.get("/documents/<int:document_id>/reads")
def document_reads(document_id: int):
    document = service.get_document(api_actor(), document_id)
    reads = service.document_reads(api_actor(), document)
    return {"document_id": document.id, "total": len(reads),
            "readers": len({delegate.id for _read, delegate in reads}),
            "reads": [service.serialize_read(read, delegate) for read, delegate in reads]}


@bp.get("/congresses/<int:congress_id>/comments")
def list_comments(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_CONGRESS)
    document_id = query_number("document_id", 0) or None
    comments = service.list_comments(api_actor(), congress, document_id=document_id,
                                     handled=query_flag("handled"))
    return {"comments": [service.serialize_comment(c) for c in comments]}
