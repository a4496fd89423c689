"""Delegates and imports as the API answers them."""

from __future__ import annotations

from typing import Any

from conference.schemas import Output


class Delegate(Output):
    """A delegate. `portal_url` (the address the badge's QR code opens; it holds the badge
    token) is given to organizers only, null for others.

    What the credentials committee reports on: `ethnicity` as written ("Kinh", "Mường", ...);
    `education` (untrained, vocational, college, university, master, doctor), `theory_level`
    (none, elementary, intermediate, advanced), `party_member` (yes, no), `sector` (public,
    state_enterprise, private, foreign) and `mandate` (ex_officio, elected, appointed) as keys;
    "" is not stated. `absence_reason`: why the delegate is absent, as organizers noted it."""

    id: int
    congress_id: int
    code: str
    full_name: str
    category: str
    unit: str
    position: str
    delegation: str
    seat: str
    birth_date: str
    gender: str
    ethnicity: str
    education: str
    theory_level: str
    party_member: str
    sector: str
    mandate: str
    absence_reason: str
    phone: str
    email: str
    status: str
    notes: str
    has_photo: bool
    portal_url: str | None = None

    @classmethod
    def shown(cls, delegate, portal_url: str | None) -> Delegate:
        """The delegate with the badge's address, for those who may see badge tokens."""
        return cls.model_validate(delegate).model_copy(update={"portal_url": portal_url})


class DelegateList(Output):
    delegates: list[Delegate]
    total: int
    page: int
    pages: int
    page_size: int


class ImportProblem(Output):
    """One problem of an imported list: `row` as the spreadsheet numbers it (the header is
    row 1; 0 means the file as a whole) and the `column` header as the file names it.
    `message` is in the reader's language; `code` and `args` say the same for programs
    (e.g. `matches_several` with {count, codes}, `same_person` with {other})."""

    row: int
    column: str
    message: str
    code: str = ""
    args: dict[str, Any] = {}


class ImportSkipped(Output):
    """A row read as no delegate: `reason` blank, totals, signature, date_line, below_table,
    section or header_continued; `text` is what it says."""

    row: int
    reason: str
    text: str
    message: str


class ImportColumn(Output):
    """A column of the file: its `header`, and the `field` it was read as ("" if ignored)."""

    header: str
    field: str


class ImportPreviewRow(Output):
    """A row as it will be stored: `action` create, update, unchanged or error; `matched` the
    code of the registered delegate it was matched with by name and unit."""

    row: int
    action: str
    code: str
    values: dict[str, str]
    matched: str = ""


class ImportFailure(Output):
    code: str
    message: str


class ImportResult(Output):
    """What an import did (or, as a dry run, would do): the `result` of its job. `errors` is
    empty on success; otherwise nothing was written, `errors` lists the first 1,000 problems
    row by row (`error_count` counts them all) and `error` says why in one line: `code`
    `invalid_rows`, `unreadable_file`, `too_large` or `import_conflict`. `columns` names what
    each column of the file was read as, `skipped` the rows that are no delegates (totals,
    signatures, blank rows), `preview` the first 50 rows as they will be stored and every row
    with a problem."""

    created: int
    updated: int
    unchanged: int
    errors: list[ImportProblem]
    error_count: int
    dry_run: bool
    filename: str
    error: ImportFailure | None = None
    columns: list[ImportColumn] = []
    skipped: list[ImportSkipped] = []
    skipped_count: int = 0
    preview: list[ImportPreviewRow] = []
    file_kind: str = ""


class BadgeReissued(Output):
    """The new badge's address; the old badge now answers "replaced" at the door."""

    portal_url: str
