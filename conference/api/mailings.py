"""API routes for mailings: e-mail delegates their portal link, print letters, read the log."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from spectree import Tag

from conference.api import api_actor, operation
from conference.api.jobs import LOCATION, accepted
from conference.api.spec import request_body
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.jobs.schemas import JobStarted
from conference.mailings import service
from conference.mailings.schemas import Delivery, DeliveryLog, MailCounts
from conference.urls import public_base_url

TAG = Tag(name="mailings", description="Portal links to delegates by e-mail or printed letter.")
NOBODY = ("`no_recipients`: nobody matches; `too_many_recipients`: more than 2,000 match; "
          "`validation_failed`: a field is not valid.")


class GroupBody(BaseModel):
    """Which delegates (the fields narrow each other down; withdrawn ones are never included)
    and the language of what they get."""

    model_config = ConfigDict(extra="forbid", strict=True, title="MailGroup")
    category: str = Field(default="", max_length=40, description="A category key, e.g. guest.")
    delegation: str = Field(default="", max_length=200, description="A delegation's exact name.")
    ids: list[int] = Field(default_factory=list, max_length=service.MAX_RECIPIENTS,
                           description="Only these delegate ids.")
    lang: Literal["", "vi", "en"] = Field(default="", description="vi or en (default: the "
                                                                   "site's language).")


class MailingBody(GroupBody):
    model_config = ConfigDict(title="MailingStart")
    state: Literal["all", "unsent", "failed"] = Field(
        default="all", description="unsent: never sent successfully; failed: the latest "
                                   "e-mail failed (to send those again).")
    note: str = Field(default="", max_length=service.MAX_NOTE,
                      description="A few words added to every e-mail (plain text).")


class LettersBody(GroupBody):
    model_config = ConfigDict(title="LettersStart")
    state: Literal["all", "unsent", "failed", "no_email"] = Field(
        default="all", description="As for e-mail, or no_email: delegates without an address.")


@operation.post("/congresses/<int:congress_id>/mailings", ok=JobStarted, status=202,
                body=MailingBody, location={202: LOCATION}, tag=TAG, errors={
                    409: "`mail_not_configured`: SMTP_HOST or MAIL_SENDER is not set; "
                         "`mailing_running`: an e-mail run of this congress is not over.",
                    422: NOBODY})
def start_mailing(congress_id: int):
    """E-mail each delegate of the group their portal link, as a job.

    The job's `result` is {sent, failed, total}; the log tells each delivery.
    """
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    selection = service.parse_selection(request_body(), service.MAIL_STATES)
    return accepted(service.start_mailing(api_actor(), congress, selection, public_base_url()))


@operation.post("/congresses/<int:congress_id>/letters", ok=JobStarted, status=202,
                body=LettersBody, location={202: LOCATION}, tag=TAG, errors={422: NOBODY})
def start_letters(congress_id: int):
    """Print one A4 letter per delegate of the group with their QR code, as a job.

    The job's `result_url` serves the PDF once done.
    """
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    selection = service.parse_selection(request_body(), service.LETTER_STATES)
    return accepted(service.start_letters(api_actor(), congress, selection, public_base_url()))


@operation.get("/congresses/<int:congress_id>/deliveries", ok=DeliveryLog, tag=TAG)
def list_deliveries(congress_id: int):
    """The delivery log: the summary and the latest 200 deliveries, newest first."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    rows = service.deliveries(api_actor(), congress)
    return DeliveryLog(counts=MailCounts(**service.mail_counts(congress)),
                       deliveries=[Delivery.shown(row) for row in rows])
