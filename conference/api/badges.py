"""API routes for badges: a print run's PDF, one badge's PDF, and reissuing a lost badge."""

from __future__ import annotations

from flask import request

from conference.api import api_actor, bp
from conference.api.jobs import accepted
from conference.auth.service import Capability
from conference.badges import service
from conference.congresses.service import get_congress
from conference.delegates.service import get_delegate, portal_url, reissue_badge
from conference.web import file_response, public_base_url


@bp.get("/congresses/<int:congress_id>/badges.pdf")
def congress_badges(congress_id: int):
    """A print run of the congress's badges (or of a category, delegation or list of ids): 202
    with the job; its result is the PDF."""
    congress = get_congress(api_actor(), congress_id, Capability.EDIT_DELEGATES)
    selection = service.parse_selection(request.args)
    return accepted(service.start_badge_job(api_actor(), congress, selection,
                                            public_base_url()))


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
