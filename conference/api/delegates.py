"""API routes for delegates: register, list, read, change, withdraw, import a list."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from conference.api import api_actor, bp, json_body, query_flag, query_number
from conference.api.jobs import accepted
from conference.attendance.service import present_ids
from conference.auth.service import Capability, can
from conference.congresses.service import get_congress
from conference.delegates import service
from conference.delegates.importing import UnreadableFile
from conference.web import public_base_url


def _serialize(delegate, may_edit: bool) -> dict:
    """Badge tokens (in portal_url) only go to those who may edit delegates."""
    url = service.portal_url(delegate, public_base_url()) if may_edit else None
    return service.serialize_delegate(delegate, url)


@bp.post("/congresses/<int:congress_id>/delegates")
def create_delegate(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    delegate = service.create_delegate(api_actor(), congress, json_body())
    return _serialize(delegate, True), 201


@bp.get("/congresses/<int:congress_id>/delegates")
def list_delegates(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_DELEGATES)
    present = query_flag("present")
    found = service.search_delegates(
        congress, q=request.args.get("q", ""), category=request.args.get("category", ""),
        status=request.args.get("status", ""), delegation=request.args.get("delegation"),
        present=present, present_ids=present_ids(congress) if present is not None else None,
        sort=request.args.get("sort", "name"), page=query_number("page", 1),
        page_size=query_number("page_size", service.PAGE_SIZE))
    may_edit = can(api_actor(), congress, Capability.EDIT_DELEGATES)
    return {"delegates": [_serialize(d, may_edit) for d in found.delegates],
            "total": found.total, "page": found.page, "pages": found.pages,
            "page_size": found.page_size}


@bp.get("/delegates/<int:delegate_id>")
def get_delegate(delegate_id: int):
    delegate = service.get_delegate(api_actor(), delegate_id)
    return _serialize(delegate, can(api_actor(), delegate.congress, Capability.EDIT_DELEGATES))


@bp.patch("/delegates/<int:delegate_id>")
def update_delegate(delegate_id: int):
    delegate = service.get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    return _serialize(service.update_delegate(api_actor(), delegate, json_body()), True)


@bp.delete("/delegates/<int:delegate_id>")
def delete_delegate(delegate_id: int):
    """Withdraw (kept on record); ?purge=true erases one who never checked in."""
    delegate = service.get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    if query_flag("purge"):
        service.delete_delegate(api_actor(), delegate)
        return "", 204
    return _serialize(service.withdraw_delegate(api_actor(), delegate), True)


@bp.post("/congresses/<int:congress_id>/delegates/import")
def import_delegates(congress_id: int):
    """202 with the import's job; its `result` is what this route answered when it was not."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    upload = request.files.get("file")
    if upload is None:
        message = _("Send the list as the multipart/form-data field “file”.")
        raise UnreadableFile(message, code="file_missing", fields={"file": message})
    return accepted(service.import_file(api_actor(), congress, upload.filename or "",
                                        upload.read(), dry_run=bool(query_flag("dry_run"))))
