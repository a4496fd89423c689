"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json for client generators.

Request bodies come from the services' pydantic schemas, so a new field or limit shows up here
without editing this file; tests/test_openapi.py fails when a route is left undocumented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from conference.agenda.service import ItemInput, SessionInput
from conference.api import bp
from conference.checkin.service import CheckInInput
from conference.congresses.service import CongressInput
from conference.delegates.service import DelegateInput
from conference.displays.service import FlashInput, PlaylistInput, SceneInput, ScreenInput
from conference.documents.service import CommentInput, DocumentInput
from conference.streams.models import Platform
from conference.streams.service import StreamInput
from conference.validation import Schema

API_PREFIX = "/api/v1"
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
REQUEST_TIME = ("ISO 8601 date and time, e.g. 2023-09-28T08:00:00+07:00; a time without offset "
                "is read in the congress's time zone.")
RESPONSE_TIME = "ISO 8601 date and time in UTC with its offset, e.g. 2023-09-28T01:00:00+00:00."


# --- what the serializers return (documentation only: the services build plain dicts) ----------


class Item(ItemInput):
    id: int
    position: int


class Session(SessionInput):
    id: int
    congress_id: int
    items: list[Item]


class Congress(CongressInput):
    id: int
    current_item_id: int | None


class CongressList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    congresses: list[Congress]


class AgendaState(BaseModel):
    """The whole agenda in order, and the item under way."""

    model_config = ConfigDict(extra="forbid")
    congress_id: int
    slug: str
    revision: int
    timezone: str
    current_item_id: int | None
    current_item: Item | None
    current_session_id: int | None
    sessions: list[Session]


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    message: str
    fields: dict[str, str] = {}


class ImportProblem(BaseModel):
    """One problem of an imported list: `row` as the spreadsheet numbers it (the header is
    row 1; 0 means the file as a whole) and the `column` header as the file names it."""

    model_config = ConfigDict(extra="forbid")
    row: int
    column: str
    message: str


class Error(BaseModel):
    """Every error: a stable machine `code`, a `message` for people, per-field `fields`;
    a refused import also lists its `errors` row by row."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail
    errors: list[ImportProblem] = []


class CurrentItemInput(Schema):
    """`item_id` starts that item; null clears the current item."""

    item_id: int | None = None


class ArrangeInput(Schema):
    """Session id (as a string key) -> all its item ids in the new order."""

    sessions: dict[str, list[int]]


class CheckInDelegate(BaseModel):
    """The delegate as the door sees them (no phone, e-mail or notes)."""

    model_config = ConfigDict(extra="forbid")
    id: int
    code: str
    full_name: str
    category: str
    position: str
    unit: str
    delegation: str
    seat: str
    status: str
    has_photo: bool


class CheckIn(BaseModel):
    """One check-in; `session_id` null means the congress as a whole (no session under way)."""

    model_config = ConfigDict(extra="forbid")
    id: int
    congress_id: int
    delegate_id: int
    session_id: int | None
    gate: str
    checked_in_at: datetime


class CheckInResult(BaseModel):
    """A scan's answer: 201 `checked_in`, or 200 `already_checked_in` with the first check-in's
    time and gate."""

    model_config = ConfigDict(extra="forbid")
    result: Literal["checked_in", "already_checked_in"]
    checked_in_at: datetime
    gate: str
    delegate: CheckInDelegate
    checkin: CheckIn


class AttendanceCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected: int
    present: int


class Quorum(BaseModel):
    """`met` when `present` reaches `required`: more than (`strict`) or at least
    numerator/denominator of `expected` official delegates; never met with none expected."""

    model_config = ConfigDict(extra="forbid")
    required: int
    present: int
    expected: int
    met: bool
    numerator: int
    denominator: int
    strict: bool


class DelegationAttendance(AttendanceCounts):
    delegation: str


class CategoryAttendance(AttendanceCounts):
    key: str
    label_vi: str
    label_en: str
    counts_for_quorum: bool


class Attendance(BaseModel):
    """Expected (not withdrawn) and present delegates, for a session or the whole congress.

    Besides the keys below, one key per delegate category (`official` and `guest` unless the
    congress changed its categories) with that category's counts.
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, AttendanceCounts]
    congress_id: int
    session_id: int | None
    session_title: str | None
    quorum: Quorum
    by_delegation: list[DelegationAttendance]
    categories: list[CategoryAttendance]
    not_counted: AttendanceCounts
    generated_at: datetime


class Delegate(DelegateInput):
    """A delegate. `portal_url` (the address the badge's QR code opens; it holds the badge
    token) is given to organizers only, null for others."""

    id: int
    congress_id: int
    has_photo: bool
    portal_url: str | None


class DelegateList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delegates: list[Delegate]
    total: int
    page: int
    pages: int
    page_size: int


class ImportResult(BaseModel):
    """What an import did (or, as a dry run, would do): the `result` of its job. `errors` is
    empty on success; otherwise nothing was written, `errors` lists the first 1,000 problems
    row by row (`error_count` counts them all) and `error` says why in one line: `code`
    `invalid_rows`, or `unreadable_file`/`too_large` when the file could not be read."""

    model_config = ConfigDict(extra="forbid")
    created: int
    updated: int
    unchanged: int
    errors: list[ImportProblem]
    error_count: int
    dry_run: bool
    filename: str
    error: ErrorDetail | None = None


class JobProgress(BaseModel):
    """How far the job is: e.g. rows checked or badges rendered of `total` (0: not known yet)."""

    model_config = ConfigDict(extra="forbid")
    done: int
    total: int


class Job(BaseModel):
    """Long work done by a consumer process (an import, a badge run). Poll `url` until
    `status` is done or failed. `result` once done: for an import an ImportResult, for a badge
    run {badges, layout}; `result_url` then serves the file it made (the badges' PDF, an
    import's problems as CSV). `error` once failed, e.g. `worker_lost` when the process running
    it ended: start it again."""

    model_config = ConfigDict(extra="forbid")
    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    progress: JobProgress
    result: dict[str, Any] | None
    error: ErrorDetail | None
    created_at: datetime | None
    finished_at: datetime | None
    url: str
    result_url: str | None = None


class JobLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    status: Literal["queued", "running", "done", "failed"]
    url: str


class JobStarted(BaseModel):
    """202 Accepted: the work was queued; follow it at `job.url` (also the Location header)."""

    model_config = ConfigDict(extra="forbid")
    job: JobLink


class DelegateImportUpload(BaseModel):
    """The list as a CSV (UTF-8, comma or semicolon) or XLSX file; headers in Vietnamese or
    English, e.g. "Mã đại biểu"/"Code", "Họ và tên"/"Full name" (required), "Loại đại
    biểu"/"Category"."""

    file: bytes


class BadgeReissued(BaseModel):
    """The new badge's address; the old badge now answers "replaced" at the door."""

    model_config = ConfigDict(extra="forbid")
    portal_url: str


class DocumentVersion(BaseModel):
    """One uploaded file; `kind` is what its content is (pdf, docx, xlsx, png, jpeg)."""

    model_config = ConfigDict(extra="forbid")
    number: int
    filename: str
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class Document(DocumentInput):
    """A document; `version` is the current one (delegates get it), `versions` all of them,
    newest first."""

    id: int
    congress_id: int
    version: int
    versions: list[DocumentVersion]
    created_at: datetime
    updated_at: datetime


class DocumentList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[Document]


class DocumentReadEntry(BaseModel):
    """A delegate opened `version` of the document at `read_at`."""

    model_config = ConfigDict(extra="forbid")
    delegate_id: int
    delegate_code: str
    full_name: str
    version: int
    read_at: datetime


class DocumentReads(BaseModel):
    """Every open of a document, newest first; `readers` counts different delegates."""

    model_config = ConfigDict(extra="forbid")
    document_id: int
    total: int
    readers: int
    reads: list[DocumentReadEntry]


class Comment(CommentInput):
    """A delegate's comment on a draft (plain text, as typed) on `version` of the document."""

    id: int
    document_id: int
    delegate_id: int
    delegate_code: str
    full_name: str
    version: int
    created_at: datetime
    handled: bool
    handled_at: datetime | None


class CommentList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comments: list[Comment]


class DocumentUpload(DocumentInput):
    """The file (PDF, DOCX, XLSX, PNG or JPEG, judged by its content) and its details as
    form fields."""

    file: bytes


class DocumentVersionUpload(Schema):
    """The new version's file."""

    file: bytes


RESPONSE_MODELS = (Item, Session, Congress, CongressList, AgendaState, Error, CheckInDelegate,
                   CheckIn, CheckInResult, AttendanceCounts, Quorum, DelegationAttendance,
                   CategoryAttendance, Attendance, Delegate, DelegateList, ImportResult,
                   ImportProblem, JobProgress, Job, JobLink, JobStarted, BadgeReissued,
                   DocumentVersion, Document, DocumentList, DocumentReadEntry, DocumentReads,
                   Comment, CommentList)
# Response properties that may be left out; every other one is always there.
OPTIONAL_PROPERTIES = {"ErrorDetail": {"fields"}, "Error": {"errors"},
                       "ImportResult": {"error"}, "Job": {"result_url"}}
# Component name -> (model, fields that must be sent); None keeps the model's own required list.
REQUEST_MODELS: dict[str, tuple[type[BaseModel], tuple[str, ...] | None]] = {
    "CongressCreate": (CongressInput, ("name", "starts_on", "ends_on")),  # slug from the name
    "CongressPatch": (CongressInput, ()),
    "SessionCreate": (SessionInput, None),
    "SessionPatch": (SessionInput, ()),
    "ItemCreate": (ItemInput, ("title",)),  # session_id defaults to the session in the path
    "ItemPatch": (ItemInput, ()),
    "CurrentItemInput": (CurrentItemInput, None),
    "ArrangeInput": (ArrangeInput, None),
    "CheckInInput": (CheckInInput, None),
    "DelegateCreate": (DelegateInput, ("full_name",)),  # a code is made when none is sent
    "DelegatePatch": (DelegateInput, ()),
    "DelegateImportUpload": (DelegateImportUpload, None),
    "DocumentUpload": (DocumentUpload, ("file", "title")),
    "DocumentVersionUpload": (DocumentVersionUpload, None),
}


@dataclass(frozen=True)
class Operation:
    """One documented route: `request`/`response` name schemas under components."""

    operation_id: str  # the Flask endpoint without "api."
    summary: str
    tag: str
    status: int = 200
    response: str | None = None
    request: str | None = None
    errors: dict[int, str] = field(default_factory=dict)
    public: bool = False
    also: dict[int, str] = field(default_factory=dict)  # other success statuses, same body
    query: dict[str, str] = field(default_factory=dict)  # optional integer parameter -> text
    # optional query parameters of other types: name -> (JSON type, text)
    options: dict[str, tuple[str, str]] = field(default_factory=dict)
    content_type: str = "application/json"  # of the request body
    description: str = ""
    produces: str = "application/json"  # of the answer; another type is sent as a file
    location: str = ""  # what the Location header of the answer gives


C, A, K = "congresses", "agenda", "checkin"
ATTENDANCE = "attendance"
D = "delegates"
BADGES = "badges"
JOBS = "jobs"
DOCS = "documents"
FILE_ERRORS = {
    413: "`too_large`: the file is larger than CONFERENCE_MAX_DOCUMENT_MB.",
    415: "`unsupported_file`: the content is not PDF, DOCX, XLSX, PNG or JPEG, whatever "
         "the file's name says; `type_mismatch`: the name claims another kind than the "
         "content (e.g. a PNG named .pdf).",
}
BADGE_LAYOUT = ("string", "sheet (A4 sheets of 8 badges with cut marks), single (one A6 badge a "
                          "page) or card (one CR80 card, 85.6 × 54 mm, a page).")
BADGE_LANG = ("string", "Language of the printed labels: vi or en (default: the site's).")
CODE_TAKEN = "`code_taken`: another delegate of this congress has this code."
NOT_FOUND = "Unknown id, or a congress in which you have no role."
FORBIDDEN = "Your role in this congress does not allow this."

# (method, path under /api/v1) -> operation. Every route of the `api` blueprint must be here.
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/openapi.json"): Operation(
        "openapi", "This document.", "meta", public=True),
    ("POST", "/congresses"): Operation(
        "create_congress", "Create a congress; its creator becomes its organizer.", C,
        status=201, response="Congress", request="CongressCreate",
        errors={403: "Your account may not create congresses.",
                409: "`slug_taken`: another congress has this slug."}),
    ("GET", "/congresses"): Operation(
        "list_congresses", "List the congresses you have a role in (all, for admins).", C,
        response="CongressList"),
    ("GET", "/congresses/{congress_id}"): Operation(
        "get_congress", "Read a congress.", C, response="Congress", errors={404: NOT_FOUND}),
    ("PATCH", "/congresses/{congress_id}"): Operation(
        "update_congress", "Change some fields of a congress (e.g. publish it).", C,
        response="Congress", request="CongressPatch",
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`slug_taken`: another congress has this slug."}),
    ("GET", "/congresses/{congress_id}/agenda"): Operation(
        "get_agenda", "Read the whole agenda in order and the current item.", A,
        response="AgendaState", errors={404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/agenda/arrange"): Operation(
        "arrange", "Reorder items within and across sessions.", A, response="AgendaState",
        request="ArrangeInput", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/agenda/current"): Operation(
        "set_current", "Start an item, or clear the current item with null.", A,
        response="AgendaState", request="CurrentItemInput",
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/agenda/next"): Operation(
        "next_item", "Move to the next item (the first one if none is under way).", A,
        response="AgendaState",
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`agenda_end`: the last item is under way; "
                     "`agenda_empty`: the agenda has no items."}),
    ("POST", "/congresses/{congress_id}/agenda/previous"): Operation(
        "previous_item", "Move back to the previous item.", A, response="AgendaState",
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`agenda_start`: the first item is under way; `no_current_item`: "
                     "nothing is under way; `agenda_empty`: the agenda has no items."}),
    ("POST", "/congresses/{congress_id}/sessions"): Operation(
        "create_session", "Add a session to a congress.", A, status=201, response="Session",
        request="SessionCreate", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("PATCH", "/sessions/{session_id}"): Operation(
        "update_session", "Change some fields of a session.", A, response="Session",
        request="SessionPatch", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("DELETE", "/sessions/{session_id}"): Operation(
        "delete_session", "Delete a session with its items.", A, status=204,
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/sessions/{session_id}/items"): Operation(
        "create_item", "Add an item at the end of a session.", A, status=201, response="Item",
        request="ItemCreate", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("PATCH", "/items/{item_id}"): Operation(
        "update_item", "Change an item; a new session_id moves it to the end of that session.",
        A, response="Item", request="ItemPatch", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("DELETE", "/items/{item_id}"): Operation(
        "delete_item", "Delete an item.", A, status=204,
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/checkins"): Operation(
        "create_checkin", "Check in the delegate whose badge was scanned (the badge URL or its "
        "token as the scanner read it); 201 `checked_in`, or 200 for a repeat.", K, status=201,
        response="CheckInResult", request="CheckInInput",
        also={200: "`already_checked_in`: the first check-in's time and gate."},
        errors={403: FORBIDDEN,
                404: "`badge_unknown`: not a badge of this congress; `not_found`: " + NOT_FOUND,
                409: "`delegate_withdrawn`: the delegate has withdrawn from the congress.",
                410: "`badge_revoked`: the badge was replaced by a new one.",
                422: "`validation_failed`: e.g. `session_id` names no session of this "
                     "congress."}),
    ("DELETE", "/checkins/{checkin_id}"): Operation(
        "delete_checkin", "Undo a check-in (recorded in the audit log).", K, status=204,
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("GET", "/congresses/{congress_id}/attendance"): Operation(
        "get_attendance", "Count present and expected delegates per category and delegation, "
        "and say whether the quorum is met.", ATTENDANCE, response="Attendance",
        query={"session_id": "Count check-ins for this session; leave out for the whole "
                             "congress (a check-in for any of its sessions counts)."},
        errors={404: NOT_FOUND,
                422: "`validation_failed`: `session_id` names no session of this congress."}),
    ("POST", "/congresses/{congress_id}/delegates"): Operation(
        "create_delegate", "Register a delegate; without a `code` the next free one (DB0001...) "
        "is given. The answer has the `portal_url` to print in the badge's QR code.", D,
        status=201, response="Delegate", request="DelegateCreate",
        errors={403: FORBIDDEN, 404: NOT_FOUND, 409: CODE_TAKEN,
                422: "`validation_failed`: `fields` names each wrong field (`category` must "
                     "be a category key of the congress)."}),
    ("GET", "/congresses/{congress_id}/delegates"): Operation(
        "list_delegates", "List and search delegates, one page at a time, in Vietnamese "
        "order (by given name).", D, response="DelegateList",
        query={"page": "Page number, from 1.",
               "page_size": "Delegates per page (default 50, at most 500)."},
        options={"q": ("string", "Words found in the name, code, unit or seat, with or "
                                 "without diacritics (\"truong\" finds \"Trường\")."),
                 "category": ("string", "A category key, e.g. official or guest."),
                 "status": ("string", "registered, confirmed or withdrawn."),
                 "delegation": ("string", "The delegation's exact name."),
                 "present": ("boolean", "true: only delegates checked in (for any part of "
                                        "the congress); false: only those not checked in."),
                 "sort": ("string", "name (default), code, unit, delegation, seat, category, "
                                    "status or newest.")},
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                422: "`validation_failed`: `present`, `page` or `page_size` is not valid."}),
    ("GET", "/delegates/{delegate_id}"): Operation(
        "get_delegate", "Read a delegate.", D, response="Delegate",
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("PATCH", "/delegates/{delegate_id}"): Operation(
        "update_delegate", "Change some fields of a delegate (an empty `code` keeps the code).",
        D, response="Delegate", request="DelegatePatch",
        errors={403: FORBIDDEN, 404: NOT_FOUND, 409: CODE_TAKEN}),
    ("DELETE", "/delegates/{delegate_id}"): Operation(
        "delete_delegate", "Withdraw a delegate: kept on record, no longer expected, the badge "
        "refused at the door; answers the withdrawn delegate. PATCH `status` back to undo. "
        "With `purge=true` the delegate is erased instead (204, no body), which is allowed "
        "only for one who never checked in.", D, response="Delegate",
        options={"purge": ("boolean", "Erase instead of withdrawing (only a delegate who "
                                      "never checked in).")},
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`delegate_checked_in`: with `purge`, the delegate has checked in; "
                     "withdraw instead."}),
    ("POST", "/congresses/{congress_id}/delegates/import"): Operation(
        "import_delegates", "Import a list of delegates from a CSV or XLSX file, as a job: "
        "202 at once, then GET the job until it is done; its `result` is an ImportResult. "
        "Every row is checked first, then all are written in one transaction, or none. A row "
        "whose code is already in the congress updates that delegate (empty cells keep their "
        "values).", D, status=202, response="JobStarted", request="DelegateImportUpload",
        content_type="multipart/form-data", location="The job's address (GET /jobs/{id}).",
        options={"dry_run": ("boolean", "Check and count only; nothing is written.")},
        description="What can be judged at once is refused at once (the errors below). The "
        "job's `result.error` then tells the rest: `invalid_rows` (`errors` lists every "
        "problem as {row, column, message}; nothing was written), `unreadable_file` (no name "
        "column, damaged), `too_large` (reading needed more memory or time than a list "
        "does) or `import_conflict` (the delegates changed meanwhile; try again); a result "
        "without `error` was written (or, as a dry run, would be).",
        errors={400: "`bad_request`: the multipart body cannot be parsed.",
                403: FORBIDDEN, 404: NOT_FOUND,
                413: "`too_large`: the file is over 30 MB, an XLSX unpacks to too much, or "
                     "its first sheet declares more than 100,000 rows or 100 columns.",
                415: "`unsupported_file`: the content is not CSV or XLSX (e.g. a PDF or an "
                     "old .xls, whatever its name).",
                422: "`unreadable_file`: empty, not UTF-8 or damaged (`fields.file` says "
                     "which); `file_missing`: no `file` field."}),
    ("GET", "/congresses/{congress_id}/badges.pdf"): Operation(
        "congress_badges", "Start a print run of the congress's badges, as a job: 202 at "
        "once; the job's `result_url` serves the PDF once it is done (about 2 s for 300). "
        "Withdrawn delegates are left out; the filters narrow each other down.", BADGES,
        status=202, response="JobStarted", location="The job's address (GET /jobs/{id}).",
        options={"layout": BADGE_LAYOUT,
                 "category": ("string", "Only this category key, e.g. official or guest."),
                 "delegation": ("string", "Only this delegation (its exact name)."),
                 "ids": ("string", "Only these delegate ids, e.g. 12,15,31."),
                 "lang": BADGE_LANG},
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`public_url_too_long`: PUBLIC_URL makes the QR code too large.",
                422: "`no_badges`: no delegate matches; `validation_failed`: `layout`, "
                     "`ids` or `lang` is not valid."}),
    ("GET", "/delegates/{delegate_id}/badge.pdf"): Operation(
        "delegate_badge", "One delegate's badge as a PDF (check-in staff may print it at the "
        "desk).", BADGES, produces="application/pdf",
        options={"layout": BADGE_LAYOUT, "lang": BADGE_LANG},
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`delegate_withdrawn`: a withdrawn delegate's badge is not printed; "
                     "`public_url_too_long`: PUBLIC_URL makes the QR code too large.",
                422: "`validation_failed`: `layout` or `lang` is not valid."}),
    ("GET", "/jobs/{job_id}"): Operation(
        "get_job", "Follow a job: its status and progress, its `result` once done, its "
        "`error` once failed. Anyone who may start such a job in its congress may follow "
        "it.", JOBS, response="Job", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("GET", "/jobs/{job_id}/result"): Operation(
        "job_result", "The file a finished job made: a badge run's PDF, an import's problems "
        "as CSV (UTF-8).", JOBS, produces="application/octet-stream",
        errors={403: FORBIDDEN,
                404: "Unknown job, not done yet, or its file is no longer kept (jobs are "
                     "kept JOB_RETENTION_DAYS)."}),
    ("POST", "/delegates/{delegate_id}/badge/reissue"): Operation(
        "reissue_delegate_badge", "Replace a lost badge: the old QR code stops working (the "
        "door answers `badge_revoked`); answers the new badge's address. Print it again.",
        BADGES, response="BadgeReissued", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/documents"): Operation(
        "create_document", "Upload a document (version 1) with its title, category, who may "
        "read it and an optional session of the congress.", DOCS, status=201,
        response="Document", request="DocumentUpload", content_type="multipart/form-data",
        errors={403: FORBIDDEN, 404: NOT_FOUND, **FILE_ERRORS,
                422: "`empty_file`: the file is empty; `file_missing`: no `file` field; "
                     "`validation_failed`: e.g. `visibility` is not public, delegates or "
                     "organizers, or `session_id` names no session of this congress."}),
    ("GET", "/congresses/{congress_id}/documents"): Operation(
        "list_documents", "List the congress's documents with all their versions, newest "
        "first.", DOCS, response="DocumentList", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/documents/{document_id}/versions"): Operation(
        "create_version", "Upload a new version; it supersedes the current one for "
        "delegates and the public, older ones stay listed.", DOCS, status=201,
        response="Document", request="DocumentVersionUpload",
        content_type="multipart/form-data",
        errors={403: FORBIDDEN, 404: NOT_FOUND, **FILE_ERRORS,
                422: "`empty_file`: the file is empty; `file_missing`: no `file` field."}),
    ("GET", "/documents/{document_id}/reads"): Operation(
        "document_reads", "The read log of a document: which delegate opened which version "
        "when.", DOCS, response="DocumentReads", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("GET", "/congresses/{congress_id}/comments"): Operation(
        "list_comments", "Delegates' comments on draft documents, newest first.", DOCS,
        response="CommentList",
        query={"document_id": "Only the comments on this document."},
        options={"handled": ("boolean", "true: only handled comments; false: only those "
                                        "not handled yet.")},
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                422: "`validation_failed`: `document_id` or `handled` is not valid."}),
}

# --- livestreams ---------------------------------------------------------------------------


class Stream(StreamInput):
    """A livestream. `display` is what viewers are told (`replay`: ended with a replay link);
    `embed_url` is the player for an iframe (YouTube, Facebook videos), else null."""

    id: int
    congress_id: int
    platform: Platform
    position: int
    display: Literal["scheduled", "live", "replay", "ended"]
    embed_url: str | None


class StreamsState(BaseModel):
    """Every stream in order; the same dict the /live namespace pushes as `streams_state`.
    `revision` grows with each change; `layout` changes when anything but a status does."""

    model_config = ConfigDict(extra="forbid")
    congress_id: int
    slug: str
    revision: int
    published: bool
    layout: str
    streams: list[Stream]


S = "streams"
URL_ERRORS = ("`validation_failed`: e.g. `url` or `replay_url` is not an http(s) address, "
              "`status` is not scheduled, live or ended, `session_id` names no session of "
              "this congress.")
RESPONSE_MODELS += (Stream, StreamsState)
REQUEST_MODELS |= {"StreamCreate": (StreamInput, ("url",)), "StreamPatch": (StreamInput, ())}
OPERATIONS |= {
    ("POST", "/congresses/{congress_id}/streams"): Operation(
        "create_stream", "Add a livestream (`platform` is guessed from `url` if left out).", S,
        status=201, response="Stream", request="StreamCreate",
        errors={403: FORBIDDEN, 404: NOT_FOUND, 422: URL_ERRORS}),
    ("GET", "/congresses/{congress_id}/streams"): Operation(
        "list_streams", "List the livestreams of a congress in order.", S,
        response="StreamsState", errors={404: NOT_FOUND}),
    ("GET", "/streams/{stream_id}"): Operation(
        "get_stream", "Read a livestream.", S, response="Stream", errors={404: NOT_FOUND}),
    ("PATCH", "/streams/{stream_id}"): Operation(
        "update_stream", "Change a livestream; operators may change only `status` "
        "(scheduled, live, ended) and `replay_url`. Pages and portals update at once.", S,
        response="Stream", request="StreamPatch",
        errors={403: FORBIDDEN, 404: NOT_FOUND, 422: URL_ERRORS}),
    ("DELETE", "/streams/{stream_id}"): Operation(
        "delete_stream", "Remove a livestream.", S, status=204,
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
}

# --- screens ----------------------------------------------------------------------------------


class ScreenStatus(ScreenInput):
    """A screen: `online` when its kiosk was seen within 45 s; `rendered_version` is the last
    `state_version` it drew. `kiosk_url` opens the kiosk page (it holds the kiosk token)."""

    id: int
    congress_id: int
    mode: Literal["scene", "playlist", "blackout"]
    online: bool
    last_seen: datetime | None
    online_since: datetime | None
    state_version: int
    rendered_version: int
    kiosk_url: str


class ScreenList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    screens: list[ScreenStatus]


class StateVersion(BaseModel):
    """The screen's new `state_version` (the highest, for several screens)."""

    model_config = ConfigDict(extra="forbid")
    state_version: int


class ScreenState(BaseModel):
    """What a kiosk draws; the same dict the /screens namespace pushes as `screen_state`."""

    model_config = ConfigDict(extra="allow")
    screen_id: int
    version: int
    mode: Literal["scene", "playlist", "blackout"]
    server_time: datetime
    app_version: str
    scene: dict | None
    playlist: dict | None
    flash: dict | None


class SavedScene(SceneInput):
    id: int
    congress_id: int


class SceneList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenes: list[SavedScene]


class SavedPlaylist(PlaylistInput):
    id: int
    congress_id: int


class PlaylistList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    playlists: list[SavedPlaylist]


class TakeInput(Schema):
    """`scene`: {"type": announcement, current_item, agenda, attendance, stream, qr, image,
    figures, clock or awards, and that type's fields}; or `scene_id` of a saved scene."""

    scene: dict | None = None
    scene_id: int | None = None


class GroupTakeInput(TakeInput):
    group: str | None = None


class GroupInput(Schema):
    """Leave `group` out for every screen of the congress."""

    group: str | None = None


class ResumeInput(Schema):
    """Leave `playlist_id` out to resume each screen's last playlist."""

    playlist_id: int | None = None


class GroupResumeInput(ResumeInput):
    group: str | None = None


class ScreenImageUpload(BaseModel):
    """A JPEG or PNG (at most 10 MB) as the multipart field `file`."""

    file: bytes


class ScreenImage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image: str
    url: str


SCREENS = "screens"
SCENE_ERRORS = ("`validation_failed`: `fields` names each wrong field, e.g. `scene.type` for an "
                "unknown type, `scene.title` for a missing one.")
STEP_ERRORS = ("`awards_end`: the first or last award is shown; `nothing_to_step`: neither a "
               "playlist nor awards are shown.")
RESPONSE_MODELS += (ScreenStatus, ScreenList, StateVersion, ScreenState, SavedScene, SceneList,
                    SavedPlaylist, PlaylistList, ScreenImage)
REQUEST_MODELS |= {"ScreenCreate": (ScreenInput, ("name", "width", "height")),
                   "ScreenPatch": (ScreenInput, ()), "TakeInput": (TakeInput, None),
                   "GroupTakeInput": (GroupTakeInput, None), "GroupInput": (GroupInput, None),
                   "ResumeInput": (ResumeInput, None),
                   "GroupResumeInput": (GroupResumeInput, None),
                   "FlashInput": (FlashInput, ("text",)),
                   "SceneCreate": (SceneInput, None), "ScenePatch": (SceneInput, ()),
                   "PlaylistCreate": (PlaylistInput, None), "PlaylistPatch": (PlaylistInput, ()),
                   "ScreenImageUpload": (ScreenImageUpload, None)}
_ONE = "/screens/{screen_id}"
_ALL = "/congresses/{congress_id}/screens"
_DRIVE = {403: FORBIDDEN, 404: NOT_FOUND}
OPERATIONS |= {
    ("POST", _ALL): Operation(
        "create_screen", "Register a screen with its native pixel size; answers its "
        "`kiosk_url` to open once on the screen's computer.", SCREENS, status=201,
        response="ScreenStatus", request="ScreenCreate", errors=_DRIVE),
    ("GET", _ALL): Operation("list_screens", "List the screens and their status.", SCREENS,
                             response="ScreenList", errors=_DRIVE),
    ("GET", _ONE): Operation("get_screen", "Read a screen: online, last seen, versions.",
                             SCREENS, response="ScreenStatus", errors=_DRIVE),
    ("PATCH", _ONE): Operation("update_screen", "Change a screen's name, size or group.",
                               SCREENS, response="ScreenStatus", request="ScreenPatch",
                               errors=_DRIVE),
    ("DELETE", _ONE): Operation("delete_screen", "Remove a screen (its kiosk URL stops "
                                "working).", SCREENS, status=204, errors=_DRIVE),
    ("POST", _ONE + "/kiosk-url"): Operation(
        "regenerate_kiosk_url", "Make a new kiosk URL; the old one stops working at once.",
        SCREENS, response="ScreenStatus", errors=_DRIVE),
    ("GET", _ONE + "/state"): Operation(
        "get_screen_state", "What the screen draws now (as pushed to its kiosk).", SCREENS,
        response="ScreenState", errors=_DRIVE),
    ("POST", _ONE + "/take"): Operation(
        "take", "Show a scene now, over the playlist.", SCREENS, response="StateVersion",
        request="TakeInput", errors=_DRIVE | {422: SCENE_ERRORS}),
    ("POST", _ONE + "/playlist"): Operation(
        "resume_playlist", "Back to the playlist, from its start (body optional).", SCREENS,
        response="StateVersion", request="ResumeInput",
        errors=_DRIVE | {409: "`no_playlist`: the screen has no playlist to play."}),
    ("POST", _ONE + "/blackout"): Operation("blackout", "Black the screen out.", SCREENS,
                                            response="StateVersion", errors=_DRIVE),
    ("POST", _ONE + "/flash"): Operation(
        "flash", "Show an announcement over everything for `seconds` (default 30).", SCREENS,
        response="StateVersion", request="FlashInput", errors=_DRIVE),
    ("POST", _ONE + "/next"): Operation(
        "next_step", "Next award, or next playlist entry.", SCREENS, response="StateVersion",
        errors=_DRIVE | {409: STEP_ERRORS}),
    ("POST", _ONE + "/previous"): Operation(
        "previous_step", "Previous award, or previous playlist entry.", SCREENS,
        response="StateVersion", errors=_DRIVE | {409: STEP_ERRORS}),
    ("POST", _ALL + "/take"): Operation(
        "take_all", "Take a scene on every screen of the congress, or of one `group`.",
        SCREENS, response="StateVersion", request="GroupTakeInput",
        errors=_DRIVE | {422: SCENE_ERRORS}),
    ("POST", _ALL + "/blackout"): Operation(
        "blackout_all", "Black out every screen, or one `group` (body optional).", SCREENS,
        response="StateVersion", request="GroupInput", errors=_DRIVE),
    ("POST", _ALL + "/playlist"): Operation(
        "resume_playlist_all", "Every screen (or one `group`) back to its playlist.", SCREENS,
        response="StateVersion", request="GroupResumeInput",
        errors=_DRIVE | {409: "`no_playlist`: a screen has no playlist to play."}),
    ("POST", "/congresses/{congress_id}/scenes"): Operation(
        "create_scene", "Save a scene to take later or put in playlists.", SCREENS,
        status=201, response="SavedScene", request="SceneCreate",
        errors=_DRIVE | {422: SCENE_ERRORS}),
    ("GET", "/congresses/{congress_id}/scenes"): Operation(
        "list_scenes", "List the saved scenes.", SCREENS, response="SceneList", errors=_DRIVE),
    ("PATCH", "/scenes/{scene_id}"): Operation(
        "update_scene", "Change a saved scene; screens showing it redraw.", SCREENS,
        response="SavedScene", request="ScenePatch", errors=_DRIVE | {422: SCENE_ERRORS}),
    ("DELETE", "/scenes/{scene_id}"): Operation("delete_scene", "Delete a saved scene.",
                                                SCREENS, status=204, errors=_DRIVE),
    ("POST", "/congresses/{congress_id}/playlists"): Operation(
        "create_playlist", "Save a playlist: scenes with durations in seconds, looped.",
        SCREENS, status=201, response="SavedPlaylist", request="PlaylistCreate",
        errors=_DRIVE),
    ("GET", "/congresses/{congress_id}/playlists"): Operation(
        "list_playlists", "List the playlists.", SCREENS, response="PlaylistList",
        errors=_DRIVE),
    ("PATCH", "/playlists/{playlist_id}"): Operation(
        "update_playlist", "Change a playlist; screens playing it start it again.", SCREENS,
        response="SavedPlaylist", request="PlaylistPatch", errors=_DRIVE),
    ("DELETE", "/playlists/{playlist_id}"): Operation(
        "delete_playlist", "Delete a playlist.", SCREENS, status=204, errors=_DRIVE),
    ("POST", "/congresses/{congress_id}/screen-images"): Operation(
        "upload_image", "Upload an image for image and awards scenes; answers its name.",
        SCREENS, status=201, response="ScreenImage", request="ScreenImageUpload",
        content_type="multipart/form-data",
        errors=_DRIVE | {413: "`too_large`: over 10 MB.",
                         415: "`not_an_image`: not a JPEG or PNG.",
                         422: "`file_missing`: no `file` field; `validation_failed`: damaged "
                              "or too many pixels."}),
}

STANDARD_ERRORS = {
    400: "`invalid_json`: the body is not a JSON object.",
    401: "`unauthorized`: no valid bearer token.",
    403: "`forbidden`",
    404: "`not_found`",
    409: "`conflict`",
    410: "`gone`",
    413: "`too_large`: the body is larger than the server accepts.",
    415: "`unsupported_media_type`: send Content-Type: application/json.",
    422: "`validation_failed`: `fields` maps each wrong field to what is wrong.",
    429: "`rate_limited`: too many requests with a wrong token from this address; wait a minute.",
    500: "`internal_error`: logged on the server; no details are given.",
}


def _schemas() -> dict[str, Any]:
    """Components from the pydantic models: responses as returned, requests as accepted."""
    _refs, response_defs = models_json_schema(
        [(model, "validation") for model in RESPONSE_MODELS], ref_template=REF_TEMPLATE)
    schemas = response_defs["$defs"]
    for model in (*RESPONSE_MODELS, ErrorDetail):
        name = model.__name__
        _add_patterns(model, schemas[name])
        _describe_times(schemas[name], RESPONSE_TIME)
        schemas[name]["required"] = sorted(
            set(schemas[name]["properties"]) - OPTIONAL_PROPERTIES.get(name, set()))
        for prop in schemas[name]["properties"].values():
            prop.pop("default", None)
    for name, (model, required) in REQUEST_MODELS.items():
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(schema.pop("$defs", {}))
        _add_patterns(model, schema)
        _describe_times(schema, REQUEST_TIME)
        if required is not None:
            schema["required"] = list(required)
        if required == ():  # a patch: a field left out keeps its value, not the default
            for prop in schema["properties"].values():
                prop.pop("default", None)
        if not schema.get("required"):
            schema.pop("required", None)
        schema["title"] = name
        schemas[name] = schema
    return schemas


def _add_patterns(model: type[BaseModel], schema: dict) -> None:
    """Pydantic leaves out a pattern stacked on a field with a validator; put it back."""
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            pattern = getattr(meta, "pattern", None)
            if pattern:
                schema["properties"][name].setdefault("pattern", pattern)


def _describe_times(node: Any, text: str) -> None:
    """Say how times are written and read, which JSON Schema's "date-time" leaves open."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            node.setdefault("description", text)
        for value in node.values():
            _describe_times(value, text)
    elif isinstance(node, list):
        for value in node:
            _describe_times(value, text)


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def _operation(op: Operation, path: str) -> dict:
    doc: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary,
                           "tags": [op.tag]}
    params = re.findall(r"{(\w+)}", path)
    if params:
        doc["parameters"] = [{"name": name, "in": "path", "required": True,
                              "schema": {"type": "integer", "minimum": 1}} for name in params]
    if op.query:
        doc["parameters"] = doc.get("parameters", []) + [
            {"name": name, "in": "query", "required": False, "description": text,
             "schema": {"type": "integer", "minimum": 1}} for name, text in op.query.items()]
    if op.options:
        doc["parameters"] = doc.get("parameters", []) + [
            {"name": name, "in": "query", "required": False, "description": text,
             "schema": {"type": kind}} for name, (kind, text) in op.options.items()]
    if op.description:
        doc["description"] = op.description
    statuses = set(op.errors) | {500}
    if op.request:
        doc["requestBody"] = {"required": True, "content": {op.content_type: _json(
            op.request)["application/json"]}}
        statuses |= {400, 413, 415, 422}
    if not op.public:
        statuses |= {401, 429}
    if op.public:
        ok: dict[str, Any] = {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}
        doc["security"] = []
    elif op.produces != "application/json":
        ok = {"description": "The file.", "content": {op.produces: {"schema": {
            "type": "string", "contentMediaType": op.produces}}}}
    elif op.response:
        ok = {"description": "Done.", "content": _json(op.response)}
    else:
        ok = {"description": "Done; no body."}
    if op.location:
        ok = ok | {"headers": {"Location": {"description": op.location,
                                            "schema": {"type": "string"}}}}
    doc["responses"] = {str(op.status): ok} | {
        str(status): ok | {"description": text} for status, text in op.also.items()} | {
        str(status): {"description": op.errors.get(status, STANDARD_ERRORS[status]),
                      "content": {"application/json": {"schema": ERROR_REF}}}
        for status in sorted(statuses)}
    return doc


def build_document() -> dict:
    """The OpenAPI 3.1 document of every route in OPERATIONS."""
    paths: dict[str, dict] = {}
    for (method, path), op in OPERATIONS.items():
        paths.setdefault(path, {})[method.lower()] = _operation(op, path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Conference API",
            "version": "1",
            "description": (
                "Manage congresses, their sessions and agenda items, and drive the current "
                "item. Send `Authorization: Bearer <token>` (make a token on the account page "
                "or with `flask create-token`) and JSON bodies with `Content-Type: "
                "application/json`. Errors are `{\"error\": {\"code\", \"message\", "
                "\"fields\"}}`. The same role rules apply as on the pages: organizers edit, "
                "operators drive the current item, check-in staff check delegates in, others see "
                "nothing of a congress."),
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": C, "description": "Congresses."},
                 {"name": A, "description": "Sessions, items and the current item."},
                 {"name": K, "description": "Check-in at the door."},
                 {"name": ATTENDANCE, "description": "Who is present, and the quorum."},
                 {"name": D, "description": "Delegates: register, edit, withdraw, import."},
                 {"name": BADGES, "description": "Badge PDFs and reissuing a lost badge."},
                 {"name": JOBS, "description": "Long work done by a consumer process: "
                                              "imports and badge runs answer 202 with a job."},
                 {"name": S, "description": "Livestreams and their status."},
                 {"name": DOCS, "description": "Congress documents, their read log and "
                                              "comments on drafts."},
                 {"name": SCREENS, "description": "The LED wall and hall screens: scenes, "
                                                  "playlists, take, blackout, next."},
                 {"name": "meta", "description": "About the API itself."}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API token (starts with cft_). Twenty wrong tokens a minute "
                               "from one address are answered with 429."}},
            "schemas": _schemas(),
        },
    }


@bp.get("/openapi.json")
def openapi():
    return build_document()
