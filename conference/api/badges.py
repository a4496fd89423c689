"""API routes for badges: a print run's PDF, one badge's PDF, and reissuing a lost badge."""

from __future__ import annotations

from flask import request

from conference.api import api_actor, bp
from conference.auth.service import Capability
from conference.badges import service
from conference.badges.identity import portal_url, reissue_badge
from conference.congresses.service import get_congress
from conference.delegates.service import get_delegate
from conference.urls import public_base_url
from conference.web import file_response


@bp.get("/congresses/<int:congress_id>/badges.pdf")
def congress_badges(congress_id: int):
    """The badges of the congress (or of a category, delegation or list of ids) as one PDF,
    rendered in this request: a few seconds for 300."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    selection = service.parse_selection(request.args)
    data, _count = service.print_badges(api_actor(), congress, selection, public_base_url())
    return file_response(data, f"badges-{congress.slug}-{selection.layout}.pdf",
                         "application/pdf", inline=True)


@bp.get("/delegates/<int:delegate_id>/badge.pdf")
def delegate_badge(delegate_id: int):
    delegate = get_delegate(api_actor(), delegate_id, Capability.VIEW_DELEGATES)
    data = service.single_badge_pdf(api_actor(), delegate, public_base_url(),
                                    layout=request.args.get("layout") or "single",
                                    locale=request.args.get("lang"))
    return file_response(data, f"badge-{delegate.code}.pdf", "application/pdf", inline=True)


@bp.post("/delegates/<int:delegate_id>/badge/reissue")
def reissue_delegate_badge(delegate_id: int):
    """Replace a lost badge: the old QR code stops working; print the new one."""
    delegate = get_delegate(api_actor(), delegate_id, Capability.EDIT_DELEGATES)
    reissue_badge(api_actor(), delegate)
    return {"portal_url": portal_url(delegate, public_base_url())}
