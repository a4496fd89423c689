"""The `speakers` scene type for the screens: who speaks, their running timer, the next three.

It follows the lists by itself: the item of whoever speaks in the congress, else the list of
the item under way. The timer is sent as `started_at`, `elapsed_before` and `duration`, never
as a time left, so the scene stays the same while the speaker speaks and each kiosk ticks it
from the server's clock (ctx.now).
"""

from __future__ import annotations

from typing import Literal

from flask_babel import gettext as _

from conference.congresses.models import Congress
from conference.displays.scenes import Heading, SceneType, add_scene_type
from conference.speakers.models import KIND_LABELS, SpeakerStatus
from conference.speakers.service import followed_item, list_of, waiting_line
from conference.validation import Schema

UPCOMING = 3  # the next speakers a screen shows


class SpeakersScene(Schema):
    """Follows the speakers' lists: the current speaker with the timer, and the next ones."""

    type: Literal["speakers"]
    heading: Heading = ""


def _person(speaker) -> dict:
    return {"name": speaker.name, "unit": speaker.unit, "title": speaker.title,
            "kind": speaker.kind}


def resolve_speakers(congress: Congress, scene: dict, now) -> dict:
    item = followed_item(congress)
    speakers = list_of(item) if item is not None else None
    if speakers is None:
        return {"item_title": item.title if item else "", "speaker": None, "next": []}
    speaking = next((s for s in speakers.speakers if s.status == SpeakerStatus.SPEAKING), None)
    speaker = None
    if speaking is not None:
        speaker = _person(speaking) | {
            "running": speaking.running, "duration": speaking.duration,
            "started_at": speaking.started_at.isoformat() if speaking.started_at else None,
            "elapsed_before": round(speaking.elapsed_before, 3)}
    return {"item_title": item.title, "speaker": speaker,
            "next": [_person(s) for s in waiting_line(speakers)[:UPCOMING]]}


def scene_words() -> dict[str, str]:
    return {"heading_speakers": _("Speakers"), "speakers_next": _("Next speakers"),
            "speakers_none": _("No speaker at the moment"),
            "speakers_overtime": _("Over time"), "speakers_paused": _("Paused"),
            "speakers_called": _("Please come to the rostrum"),
            "speakers_kind_registered": str(KIND_LABELS["registered"]),
            "speakers_kind_floor": str(KIND_LABELS["floor"])}


add_scene_type(SceneType(schema=SpeakersScene, label=lambda: _("Speakers with the timer"),
                         resolve=resolve_speakers, data_kind="speakers", words=scene_words,
                         script="js/scene-speakers.js"))
