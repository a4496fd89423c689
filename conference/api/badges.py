"""API routes for badges: a print run's PDF, one badge's PDF, and reissuing a lost badge."""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, Field
from spectree import Tag

from conference.api import api_actor, operation
from conference.auth.service import Capability
from conference.badges import service
from conference.badges.identity import portal_url, reissue_badge
from conference.congresses.service import get_congress
from conference.delegates.schemas import BadgeReissued
from conference.delegates.service import get_delegate
from conference.urls import public_base_url
from conference.web import file_response

TAG = Tag(name="badges", description="Badge PDFs and reissuing a lost badge.")
PDF = "application/pdf"
URL_TOO_LONG = "`public_url_too_long`: PUBLIC_URL makes the QR code too large."
LAYOUT = Field(default="", description="sheet (A4 sheets of 8 badges with cut marks), single "
                                       "(one A6 badge a page) or card (one CR80 card, 85.6 × 54 "
                                       "mm, a page).")
LANG = Field(default="", description="Language of the printed labels: vi or en (default: the "
                                     "site's).")


class BadgeQuery(BaseModel):
    layout: str = LAYOUT
    lang: str = LANG


class PrintRunQuery(BadgeQuery):
    category: str = Field(default="", description="Only this category key, e.g. official.")
    delegation: str = Field(default="", description="Only this delegation (its exact name).")
    ids: list[str] = Field(default_factory=list, description="Only these delegate ids, e.g. "
                                                          "12,15,31 (or ids=12&ids=15).")


@operation.get("/congresses/<int:congress_id>/badges.pdf", query=PrintRunQuery, produces=PDF,
               tag=TAG, errors={409: URL_TOO_LONG,
                                422: "`no_badges`: no delegate matches; `validation_failed`: "
                                     "`layout`, `ids` or `lang` is not valid."})
def congress_badges(congress_id: int):
    """The badges of the congress as one PDF.

    Rendered in the request (a few seconds for 300). Withdrawn delegates are left out; the
    filters narrow each other down.
    """
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    selection = service.parse_selection(request.args)
    data, _count = service.print_badges(api_actor(), congress, selection, public_base_url())
    return file_response(data, f"badges-{congress.slug}-{selection.layout}.pdf", PDF,
                         inline=True)


@operation.get("/delegates/<int:delegate_id>/badge.pdf", query=BadgeQuery, produces=PDF,
               tag=TAG, errors={409: "`delegate_withdrawn`: a withdrawn delegate's badge is not "
                                     f"printed; {URL_TOO_LONG}",
                                422: "`validation_failed`: `layout` or `lang` is not valid."})
def delegate_badge(delegate_id: int, query: BadgeQuery):
    """One delegate's badge as a PDF (check-in staff may print it at the desk)."""
    delegate = get_delegate(api_actor(), delegate_id, Capability.VIEW_DELEGATES)
    data = service.single_badge_pdf(api_actor(), delegate, public_base_url(),
                                    layout=query.layout or "single", locale=query.lang or None)
    return file_response(data, f"badge-{delegate.code}.pdf", PDF, inline=True)


@operation.post("/delegates/<int:delegate_id>/badge/reissue", ok=BadgeReissued, tag=TAG)
def reissue_delegate_badge(delegate_id: int):
    """Replace a lost badge: the old QR code stops working; print the new one.

    The door answers `badge_revoked` for the old one; the answer is the new badge's address.
    """
    delegate = get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    reissue_badge(api_actor(), delegate)
    return {"portal_url": portal_url(delegate, public_base_url())}
