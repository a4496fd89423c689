"""The demo's list of speakers: contributions registered for the debate in the hall, one of them
called to the rostrum (paused a little past two minutes, so the screens show the timer), and one
request from the floor, so the console, the portal and the screens show a filled list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conference.agenda.models import AgendaItem, CongressSession
from conference.audit.service import record
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.delegates.models import Delegate
from conference.extensions import db
from conference.speakers.models import (
    FLOOR_SECONDS,
    REGISTERED_SECONDS,
    Speaker,
    SpeakerKind,
    SpeakerList,
    SpeakerStatus,
)

DEBATE = "Thảo luận tại hội trường"
# (title of the contribution, status); each given by one of the first official delegates.
CONTRIBUTIONS = [
    ("Nâng cao hiệu quả đại diện, bảo vệ quyền và lợi ích hợp pháp của đoàn viên tại doanh "
     "nghiệp ngoài nhà nước", SpeakerStatus.DONE),
    ("Công đoàn tham gia xây dựng quan hệ lao động hài hòa, ổn định, tiến bộ trong Khu kinh tế "
     "Vũng Áng", SpeakerStatus.SPEAKING),
    ("Đổi mới nội dung, phương thức hoạt động của công đoàn cơ sở khu vực hành chính sự nghiệp",
     SpeakerStatus.WAITING),
    ("Phát triển đoàn viên, thành lập công đoàn cơ sở trong doanh nghiệp có vốn đầu tư nước "
     "ngoài", SpeakerStatus.WAITING),
]
SPOKEN = {SpeakerStatus.DONE: 402.0, SpeakerStatus.SPEAKING: 125.0}  # seconds


def demo_speakers(congress: Congress) -> None:
    item = db.session.scalar(select(AgendaItem).join(CongressSession).where(
        CongressSession.congress_id == congress.id, AgendaItem.title == DEBATE))
    official = list(db.session.scalars(
        select(Delegate).where(Delegate.congress_id == congress.id,
                               Delegate.category == "official")
        .order_by(Delegate.id).limit(len(CONTRIBUTIONS) + 1)))
    if item is None or len(official) <= len(CONTRIBUTIONS):
        return
    speakers = SpeakerList(congress_id=congress.id, item_id=item.id, closed=False,
                           floor_seconds=FLOOR_SECONDS, registered_seconds=REGISTERED_SECONDS)
    for position, ((title, status), delegate) in enumerate(zip(CONTRIBUTIONS, official,
                                                               strict=False), start=1):
        speakers.speakers.append(Speaker(
            congress_id=congress.id, kind=SpeakerKind.REGISTERED, name=delegate.full_name,
            unit=delegate.unit, title=title, delegate_id=delegate.id, position=position,
            status=status, duration=REGISTERED_SECONDS, elapsed_before=SPOKEN.get(status, 0.0)))
    asker = official[len(CONTRIBUTIONS)]
    speakers.speakers.append(Speaker(
        congress_id=congress.id, kind=SpeakerKind.FLOOR, name=asker.full_name, unit=asker.unit,
        delegate_id=asker.id, position=len(CONTRIBUTIONS) + 1, status=SpeakerStatus.WAITING,
        duration=FLOOR_SECONDS, elapsed_before=0.0, requested_at=utcnow() - timedelta(minutes=3)))
    db.session.add(speakers)
    record(None, "speakers.demo", congress_id=congress.id, target=f"item:{item.id}",
           details={"speakers": len(speakers.speakers)})
    db.session.commit()
