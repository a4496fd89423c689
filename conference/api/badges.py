"""API routes for badges: a print run's PDF, one badge's PDF, and reissuing a lost badge."""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, Field
from spectree import Tag

from conference.api import api_actor, operation
from conference.api.jobs import LOCATION, accepted
from conference.auth.service import Capability
from conference.badges import service
from conference.badges.identity import portal_url, reissue_badge
from conference.congresses.service import get_congress
from conference.delegates.schemas import BadgeReissued
from conference.delegates.service import get_delegate
from conference.jobs.models import JobStatus
from conference.jobs.schemas import JobStarted
from conference.jobs.service import job_result, wait_for
from conference.urls import public_base_url
from conference.web import file_response

TAG = Tag(name="badges", description="Badge PDFs and reissuing a lost badge.")
PDF = "application/pdf"
RUN_WAIT = 30.0  # seconds the answer waits for a print run before it gives the job instead
URL_TOO_LONG = "`public_url_too_long`: PUBLIC_URL makes the QR code too large."
LAYOUT = Field(default="", description="sheet (A4 sheets of 8 badges with cut marks), single "
                                       "(one A6 badge a page) or card (one CR80 card, 85.6 × 54 "
                                       "mm, a page).")
LANG = Field(default="", description="Language of the printed labels: vi or en (default: the "
                                     "site's).")


BACKS = Field(default=None, description="A page of backs after each page of badges, for "
                                        "two-sided printing (flip on long edge; on A4 sheets "
                                        "each row's backs are mirrored so each lands behind its "
                                        "badge): an official delegate's back carries their "
                                        "voting PIN, a guest's only the congress's name. "
                                        "Default: true when the congress has official "
                                        "delegates.")


class BadgeQuery(BaseModel):
    layout: str = LAYOUT
    lang: str = LANG
    backs: bool | None = BACKS


class PrintRunQuery(BadgeQuery):
    category: str = Field(default="", description="Only this category key, e.g. official.")
    delegation: str = Field(default="", description="Only this delegation (its exact name).")
    ids: list[str] = Field(default_factory=list, description="Only these delegate ids, e.g. "
                                                          "12,15,31 (or ids=12&ids=15).")
    codes: list[str] = Field(default_factory=list, description="Only these delegate codes, as "
                             "printed on the badges (any case), e.g. DB0012,DB0015 (or "
                             "codes=DB0012&codes=DB0015); an unknown code is 422.")


@operation.get("/congresses/<int:congress_id>/badges.pdf", query=PrintRunQuery, produces=PDF,
               also={202: (JobStarted, "The run takes longer (or failed): follow its job.")},
               location={202: LOCATION}, tag=TAG, errors={409: URL_TOO_LONG,
                                422: "`no_badges`: no delegate matches; `validation_failed`: "
                                     "`layout`, `ids`, `codes`, `lang` or `backs` is not "
                                     "valid."})
def congress_badges(congress_id: int):
    """The badges of the congress as one PDF, rendered by a job.

    The answer waits for the print run (about 2 s for 300 badges); a run still going after
    RUN_WAIT seconds (or one that failed) answers 202 with its job instead, whose `result_url`
    serves the PDF once done. Withdrawn delegates are left out; the filters narrow each other
    down.
    """
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    selection = service.parse_selection(request.args)
    job = wait_for(service.start_badge_job(api_actor(), congress, selection, public_base_url()),
                   RUN_WAIT)
    if job.status != JobStatus.DONE:
        return accepted(job)
    return file_response(job_result(job), f"badges-{congress.slug}-{selection.layout}.pdf", PDF,
                         inline=True)


@operation.get("/delegates/<int:delegate_id>/badge.pdf", query=BadgeQuery, produces=PDF,
               tag=TAG, errors={409: "`delegate_withdrawn`: a withdrawn delegate's badge is not "
                                     f"printed; {URL_TOO_LONG}",
                                422: "`validation_failed`: `layout`, `lang` or `backs` is not "
                                     "valid."})
def delegate_badge(delegate_id: int, query: BadgeQuery):
    """One delegate's badge as a PDF (check-in staff may print it at the desk)."""
    delegate = get_delegate(api_actor(), delegate_id, Capability.VIEW_DELEGATES)
    data = service.single_badge_pdf(api_actor(), delegate, public_base_url(),
                                    layout=query.layout or "single", locale=query.lang or None,
                                    backs=query.backs)
    return file_response(data, f"badge-{delegate.code}.pdf", PDF, inline=True)


@operation.post("/delegates/<int:delegate_id>/badge/reissue", ok=BadgeReissued, tag=TAG)
def reissue_delegate_badge(delegate_id: int):
    """Replace a lost badge: the old QR code stops working; print the new one.

    The door answers `badge_revoked` for the old one; the answer is the new badge's address.
    """
    delegate = get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    reissue_badge(api_actor(), delegate)
    return {"portal_url": portal_url(delegate, public_base_url())}
