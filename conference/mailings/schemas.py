"""Mailings as the API shows them: the delivery log and its summary."""

from __future__ import annotations

from typing import Literal

from conference.mailings.service import failure_text
from conference.schemas import Instant, Output


class Delivery(Output):
    """One e-mail sent or refused, or one letter printed. `link` is the portal link with its
    token cut to four characters (the log never keeps it whole); `badge_serial` is the badge
    whose link it was (a reissued badge makes it dead). A failed e-mail has `error_code`
    (`recipient_refused`, `connection_refused`, `login_refused`, `tls_failed`, ...), `error`
    (the reason in the request's language) and `smtp_reply` (the server's own words)."""

    id: int
    delegate_id: int
    job_id: int | None
    kind: Literal["email", "letter"]
    status: Literal["sent", "failed", "printed"]
    address: str
    locale: str
    link: str
    badge_serial: int
    error_code: str
    error: str
    smtp_reply: str
    created_at: Instant

    @classmethod
    def shown(cls, row) -> Delivery:
        shown = cls.model_validate(row)
        if row.error_code:
            shown.error = failure_text(row.error_code, row.address)
        return shown


class MailCounts(Output):
    """Delegates not withdrawn; those with an e-mail address and without; those never sent an
    e-mail successfully (of those with an address); those whose latest e-mail failed."""

    delegates: int
    with_email: int
    no_email: int
    unsent: int
    failed: int


class DeliveryLog(Output):
    """The summary and the latest deliveries, newest first."""

    counts: MailCounts
    deliveries: list[Delivery]
