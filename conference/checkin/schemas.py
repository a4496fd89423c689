"""A scan's answer as the API gives it to a scanner app or a gate device."""

from __future__ import annotations

from typing import Literal

from conference.schemas import Instant, Output


class DoorDelegate(Output):
    """The delegate as the door sees them (no phone, e-mail or notes)."""

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


class CheckIn(Output):
    """One check-in; `session_id` null means the congress as a whole (no session under way)."""

    id: int
    congress_id: int
    delegate_id: int
    session_id: int | None
    gate: str
    checked_in_at: Instant


class CheckInResult(Output):
    """A scan's answer: 201 `checked_in`, or 200 `already_checked_in` with the first check-in's
    time and gate."""

    result: Literal["checked_in", "already_checked_in"]
    checked_in_at: Instant
    gate: str
    delegate: DoorDelegate
    checkin: CheckIn

    @classmethod
    def of(cls, scan) -> CheckInResult:
        """The answer to one scan (checkin.service.CheckInResult)."""
        return cls(result="checked_in" if scan.created else "already_checked_in",
                   checked_in_at=scan.checkin.checked_in_at, gate=scan.checkin.gate,
                   delegate=scan.delegate, checkin=scan.checkin)


class OfflineScanResult(Output):
    """What became of one scan made offline; `delegate` and `checkin` are null when the badge is
    unknown, and `message` says why a scan was refused."""

    nonce: str
    result: Literal["checked_in", "already_checked_in", "badge_unknown", "badge_revoked",
                    "delegate_withdrawn"]
    message: str
    delegate: DoorDelegate | None
    checkin: CheckIn | None


class OfflineBatchResult(Output):
    """One answer per scan sent, in the order sent."""

    items: list[OfflineScanResult]

    @classmethod
    def of(cls, outcomes) -> OfflineBatchResult:
        return cls(items=[OfflineScanResult(nonce=o.nonce, result=o.result, message=o.message,
                                            delegate=o.delegate, checkin=o.checkin)
                          for o in outcomes])


class GateBadge(DoorDelegate):
    """One delegate as a gate decides offline: `hash` is the SHA-256 (hex) of their current
    badge token, which the gate computes from a scan and looks up."""

    hash: str
    photo_url: str | None


class GateManifest(Output):
    """What a gate keeps to check badges in offline. With `since`, `badges` holds only the
    delegates changed since then and `complete` is false; `delegate_ids` always lists every
    delegate still registered (drop the others) and `revoked` the replaced badges' hashes (all,
    or those replaced since). Send `as_of` back as `since` for the next refresh."""

    congress_id: int
    as_of: Instant
    complete: bool
    badges: list[GateBadge]
    delegate_ids: list[int]
    revoked: list[str]

    @classmethod
    def of(cls, congress_id: int, manifest) -> GateManifest:
        """The answer for checkin.service.Manifest; photos at the staff address."""
        from flask import url_for

        return cls(congress_id=congress_id, as_of=manifest.as_of, complete=manifest.complete,
                   badges=[GateBadge(**DoorDelegate.model_validate(d).model_dump(),
                                     hash=d.badge_token_hash,
                                     photo_url=url_for("delegates.photo", delegate_id=d.id)
                                     if d.has_photo else None)
                           for d in manifest.badges],
                   delegate_ids=manifest.delegate_ids, revoked=manifest.revoked)
