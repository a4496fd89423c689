"""Delegates and imports as the API answers them."""

from __future__ import annotations

from conference.schemas import Output


class Delegate(Output):
    """A delegate. `portal_url` (the address the badge's QR code opens; it holds the badge
    token) is given to organizers only, null for others."""

    id: int
    congress_id: int
    code: str
    full_name: str
    category: str
    unit: str
    position: str
    delegation: str
    seat: str
    gender: str
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
    row 1; 0 means the file as a whole) and the `column` header as the file names it."""

    row: int
    column: str
    message: str


class ImportResult(Output):
    """What an import did (or, as a dry run, would do); `errors` is empty on success."""

    created: int
    updated: int
    unchanged: int
    errors: list[ImportProblem]


class BadgeReissued(Output):
    """The new badge's address; the old badge now answers "replaced" at the door."""

    portal_url: str
