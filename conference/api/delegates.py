"""API routes for delegates: register, list, read, change, withdraw, import a list."""

from __future__ import annotations

from typing import Annotated

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, Field
from spectree import Tag
from spectree.model_adapter.pydantic_adapter import BaseFile

from conference.api import api_actor, operation
from conference.api.jobs import LOCATION, accepted
from conference.api.spec import api_model, request_body
from conference.attendance.service import present_ids
from conference.auth.service import Capability, can
from conference.badges.identity import portal_url
from conference.congresses.service import get_congress
from conference.delegates import importing, search, service
from conference.delegates.importing import UnreadableFile
from conference.delegates.schemas import Delegate, DelegateList
from conference.jobs.schemas import JobStarted
from conference.urls import public_base_url
from conference.validation import MAX_ID, optional_int

TAG = Tag(name="delegates", description="Delegates: register, edit, withdraw, import.")
CODE_TAKEN = "`code_taken`: another delegate of this congress has this code."
# A code is made when none is sent; an empty `code` in a PATCH keeps the code.
DelegateCreate = api_model(service.DelegateInput, "DelegateCreate", required=("full_name",))
DelegatePatch = api_model(service.DelegateInput, "DelegatePatch", required=())
Flag = Annotated[bool | None, BeforeValidator(lambda v: v or None)]  # an empty one is absent


class DelegateQuery(BaseModel):
    q: str = Field(default="", description="Words found in the name, code, unit or seat, with "
                                           "or without diacritics (\"truong\" finds \"Trường\").")
    category: str = Field(default="", description="A category key, e.g. official or guest.")
    status: str = Field(default="", description="registered, confirmed or withdrawn.")
    delegation: str | None = Field(default=None, description="The delegation's exact name.")
    present: Flag = Field(default=None, description="true: only delegates checked in (for any "
                          "part of the congress); false: only those not checked in.")
    sort: str = Field(default="name", description="name (default), code, unit, delegation, "
                                                  "seat, category, status or newest.")
    page: optional_int(1, MAX_ID) = Field(default=None, description="Page number, from 1.")
    page_size: optional_int(1, MAX_ID) = Field(
        default=None, description="Delegates per page (default 50, at most 500).")


class PurgeQuery(BaseModel):
    purge: Flag = Field(default=None, description="Erase instead of withdrawing (only a "
                                                  "delegate who never checked in).")


class ImportQuery(BaseModel):
    dry_run: Flag = Field(default=None, description="Check and count only; nothing is written.")


class DelegateImportUpload(BaseModel):
    """The list as an XLSX file (its first sheet) or a CSV file (UTF-8 or UTF-16, separated
    by commas, semicolons or tabs); headers in Vietnamese or English, e.g. "Mã đại
    biểu"/"Code", "Họ và tên"/"Full name" (required), "Ngày sinh", "Loại đại
    biểu"/"Category". Title rows above the header, an STT column, a totals row and a signature
    block below the table are recognised and skipped."""

    model_config = {"extra": "forbid"}
    file: BaseFile


def _shown(delegate, may_edit: bool) -> Delegate:
    """Badge tokens (in portal_url) only go to those who may edit delegates."""
    url = portal_url(delegate, public_base_url()) if may_edit else None
    return Delegate.shown(delegate, url)


@operation.post("/congresses/<int:congress_id>/delegates", ok=Delegate, status=201,
                body=DelegateCreate, tag=TAG, errors={
                    409: CODE_TAKEN, 422: "`validation_failed`: `fields` names each wrong field "
                                          "(`category` must be a category key of the congress)."})
def create_delegate(congress_id: int):
    """Register a delegate.

    Without a `code` the next free one (DB0001...) is given. The answer has the `portal_url` to
    print in the badge's QR code.
    """
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    return _shown(service.create_delegate(api_actor(), congress, request_body()), True), 201


@operation.get("/congresses/<int:congress_id>/delegates", ok=DelegateList, query=DelegateQuery,
               tag=TAG)
def list_delegates(congress_id: int, query: DelegateQuery):
    """List and search delegates, one page at a time, in Vietnamese order (by given name)."""
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_DELEGATES)
    found = search.search_delegates(
        congress, q=query.q, category=query.category, status=query.status,
        delegation=query.delegation, present=query.present,
        present_ids=present_ids(congress) if query.present is not None else None,
        sort=query.sort, page=query.page or 1, page_size=query.page_size or search.PAGE_SIZE)
    may_edit = can(api_actor(), congress, Capability.EDIT_DELEGATES)
    return {"delegates": [_shown(d, may_edit) for d in found.delegates],
            "total": found.total, "page": found.page, "pages": found.pages,
            "page_size": found.page_size}


@operation.get("/delegates/<int:delegate_id>", ok=Delegate, tag=TAG)
def get_delegate(delegate_id: int):
    """Read a delegate."""
    delegate = service.get_delegate(api_actor(), delegate_id)
    return _shown(delegate, can(api_actor(), delegate.congress, Capability.EDIT_DELEGATES))


@operation.patch("/delegates/<int:delegate_id>", ok=Delegate, body=DelegatePatch, tag=TAG,
                 errors={409: CODE_TAKEN})
def update_delegate(delegate_id: int):
    """Change some fields of a delegate (an empty `code` keeps the code)."""
    delegate = service.get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    return _shown(service.update_delegate(api_actor(), delegate, request_body()), True)


@operation.delete("/delegates/<int:delegate_id>", ok=Delegate, query=PurgeQuery, tag=TAG,
                  also={204: "`purge=true`: erased; no body."},
                  errors={409: "`delegate_checked_in`: with `purge`, the delegate has checked "
                               "in; withdraw instead."})
def delete_delegate(delegate_id: int, query: PurgeQuery):
    """Withdraw a delegate; `purge=true` erases one who never checked in.

    A withdrawn delegate is kept on record, no longer expected, the badge refused at the door;
    the answer is the withdrawn delegate. PATCH `status` back to undo.
    """
    delegate = service.get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    if query.purge:
        service.delete_delegate(api_actor(), delegate)
        return "", 204
    return _shown(service.withdraw_delegate(api_actor(), delegate), True)


@operation.post(
    "/congresses/<int:congress_id>/delegates/import", ok=JobStarted, status=202,
    form=DelegateImportUpload, query=ImportQuery, location={202: LOCATION}, tag=TAG, errors={
        400: "`bad_request`: the multipart body cannot be parsed.",
        413: "`too_large`: the file is over 30 MB, an XLSX unpacks to too much, or its first "
             "sheet declares more than 100,000 rows or 100 columns.",
        415: "`unsupported_file`: the content is not CSV or XLSX (e.g. a PDF or an old .xls, "
             "whatever its name).",
        422: "`unreadable_file`: empty, not UTF-8 or damaged (`fields.file` says which); "
             "`file_missing`: no `file` field."})
def import_delegates(congress_id: int, query: ImportQuery):
    """Import a list of delegates from a CSV or XLSX file, as a job.

    202 at once, then GET the job until it is done. What can be judged at once is refused at
    once (the errors below); the job's `result` then tells the rest: the counts (`created`,
    `updated`, `unchanged`), `errors` row by row as {row, column, message} (the first 1,000;
    `error_count` counts them all) and, when nothing was written, `error`: `invalid_rows`,
    `unreadable_file` (no name column, damaged), `too_large` (reading needed more memory or
    time than a list does) or `import_conflict` (the delegates changed meanwhile; try again).
    Every row is checked first, then all are written in one transaction, or none; a row whose
    code is already in the congress updates that delegate (empty cells keep their values).
    """
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    upload = request.files.get("file")
    if upload is None:
        message = _("Send the list as the multipart/form-data field “file”.")
        raise UnreadableFile(message, code="file_missing", fields={"file": message})
    return accepted(importing.import_file(api_actor(), congress, upload.filename or "",
                                          upload.read(), dry_run=bool(query.dry_run)))
