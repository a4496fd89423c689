"""The demo congress: the 19th congress of the Ha Tinh provincial federation of labour, with
its agenda, about 300 delegates, documents, livestreams, screens and some arrivals, so that a
new user finds every page filled on the first start."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask, redirect, request
from sqlalchemy import insert, select

from conference.actors import SYSTEM
from conference.agenda.models import AgendaItem, CongressSession, SessionKind
from conference.audit.service import record
from conference.checkin.models import CheckIn
from conference.checkin.service import check_in_delegate
from conference.congresses.models import Congress
from conference.dates import localize
from conference.delegates.models import Delegate
from conference.delegates.service import (
    DelegateInput,
    categories,
    new_delegate_values,
    set_delegate_photo,
)
from conference.demo.elections import demo_elections
from conference.demo.papers import start_demo_papers
from conference.demo.people import demo_delegates, portrait
from conference.demo.speakers import demo_speakers
from conference.demo.votes import demo_votes
from conference.extensions import db
from conference.signals import delegates_changed
from conference.streams.models import Platform
from conference.streams.service import create_stream
from conference.validation import validate

SLUG = "dai-hoi-xix"
FORMER_SLUG = "dai-hoi-cong-doan-ha-tinh-xix"  # the demo's address until it had to be typed
TZ = "Asia/Ho_Chi_Minh"
PHOTOS = 8  # delegates with a (drawn) photo: the first of the list
ARRIVALS = 40  # official delegates already checked in: the dashboard shows a quorum not met

# (title, kind, day, start, end, room, chair, [(item title, presenter, minutes)])
SESSIONS = [
    ("Phiên trù bị", SessionKind.PREPARATORY, 27, "14:00", "16:30", "Hội trường A",
     "Đoàn Chủ tịch", [
         ("Chào cờ, tuyên bố lý do, giới thiệu đại biểu", "Ban Tổ chức", 15),
         ("Bầu Đoàn Chủ tịch, Đoàn Thư ký, Ban Thẩm tra tư cách đại biểu", "Đoàn Chủ tịch", 30),
         ("Thông qua Chương trình và Quy chế làm việc của Đại hội", "Đoàn Thư ký", 20),
         ("Thảo luận dự thảo Báo cáo chính trị tại các tổ", "Các tổ thảo luận", 75),
     ]),
    ("Phiên chính thức", SessionKind.OFFICIAL, 28, "07:30", "11:30", "Hội trường A",
     "Đoàn Chủ tịch", [
         ("Khai mạc Đại hội", "Chủ tịch LĐLĐ tỉnh", 10),
         ("Báo cáo của Ban Chấp hành khóa XVIII trình Đại hội", "Phó Chủ tịch LĐLĐ tỉnh", 40),
         ("Báo cáo kiểm điểm của Ban Chấp hành nhiệm kỳ 2018-2023", "Ủy viên Ban Thường vụ", 20),
         ("Báo cáo thẩm tra tư cách đại biểu", "Trưởng Ban Thẩm tra", 10),
         ("Phát biểu chỉ đạo của lãnh đạo Tổng Liên đoàn và Tỉnh ủy", "Khách mời", 30),
         ("Thảo luận tại hội trường", "Đại biểu", 60),
     ]),
    ("Phiên bế mạc", SessionKind.CLOSING, 28, "14:00", "16:30", "Hội trường A",
     "Đoàn Chủ tịch", [
         ("Bầu Ban Chấp hành khóa XIX", "Ban Bầu cử", 60),
         ("Thông qua Nghị quyết Đại hội", "Đoàn Thư ký", 20),
         ("Bế mạc Đại hội", "Chủ tịch LĐLĐ tỉnh khóa XIX", 10),
     ]),
    ("Lễ trao giải Cuộc thi sáng tác về công đoàn và phong trào công nhân",
     SessionKind.CEREMONY, 28, "19:30", "21:00", "Nhà văn hóa Công nhân", "Ban Tổ chức", [
         ("Công bố kết quả cuộc thi", "Ban Giám khảo", 15),
         ("Trao giải", "Lãnh đạo LĐLĐ tỉnh", 45),
     ]),
]


# (title, platform, url, index in SESSIONS or None for the whole congress, day, start)
STREAMS = [
    ("Trang Facebook của LĐLĐ tỉnh Hà Tĩnh", Platform.FACEBOOK,
     "https://www.facebook.com/congdoanhatinh", 1, 28, "07:30"),
    ("Báo Lao Động trực tuyến", Platform.NEWSPAPER,
     "https://laodong.vn/cong-doan/truc-tiep-dai-hoi-cong-doan-tinh-ha-tinh-lan-thu-xix.ldo",
     None, 28, "07:30"),
]


def _at(day: int, hhmm: str) -> datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return localize(datetime(2023, 9, day, hour, minute), TZ)


# (name, type, fields) of the demo scenes; the LED wall loops them all.
SCENES = [
    ("Chào mừng Đại hội", "announcement", {
        "title": "Nhiệt liệt chào mừng Đại hội", "body": "Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ "
        "XIX, nhiệm kỳ 2023–2028\nĐổi mới – Dân chủ – Đoàn kết – Phát triển"}),
    ("Đang diễn ra", "current_item", {"heading": ""}),
    ("Đại biểu có mặt", "attendance", {"heading": "", "session_id": None}),
    ("Kết quả nhiệm kỳ", "figures", {"title": "Kết quả nhiệm kỳ 2018–2023", "figures": [
        {"value": "98.512", "label": "đoàn viên công đoàn"},
        {"value": "1.326", "label": "công đoàn cơ sở"},
        {"value": "12.450", "label": "đoàn viên mới kết nạp"}]}),
    ("Trang thông tin Đại hội", "qr", {"url": "", "caption": "Quét mã để xem chương trình và "
                                                          "tài liệu Đại hội"}),
    ("Đồng hồ", "clock", {"label": "", "countdown_to": None}),
    ("Danh sách phát biểu", "speakers", {"heading": ""}),
    ("Biểu quyết", "vote", {"heading": "", "vote_id": None}),
]
# (name, width, height, group, what it shows: "playlist" or the index of a scene)
SCREENS = [("Màn hình LED ngoài trời", 3840, 1080, "Ngoài trời", "playlist"),
           ("Màn hình hội trường", 1920, 1080, "Hội trường", 1)]


def _demo_screens(congress: Congress) -> None:
    """Two screens, a few scenes and a playlist looping them on the LED wall."""
    from conference import tokens
    from conference.dates import utcnow
    from conference.displays.models import Mode, Playlist, PlaylistEntry, Scene, Screen
    from conference.displays.service import kiosk_token

    scenes = [Scene(congress_id=congress.id, name=name, type=kind, fields=fields)
              for name, kind, fields in SCENES]
    db.session.add_all(scenes)
    db.session.flush()
    playlist = Playlist(congress_id=congress.id, name="Vòng chiếu ngoài trời", entries=[
        PlaylistEntry(scene_id=scene.id, position=position, duration=15)
        for position, scene in enumerate(scenes, start=1)])
    db.session.add(playlist)
    db.session.flush()
    for name, width, height, group, shows in SCREENS:
        screen = Screen(congress_id=congress.id, name=name, width=width, height=height,
                        group_name=group, token_nonce=tokens.new_nonce(), token_serial=1,
                        state_version=1, playlist_id=playlist.id, playlist_started_at=utcnow(),
                        mode=Mode.PLAYLIST if shows == "playlist" else Mode.SCENE,
                        scene_id=None if shows == "playlist" else scenes[shows].id)
        screen.token_hash = tokens.token_hash(kiosk_token(screen))
        db.session.add(screen)


def _demo_agenda(congress: Congress) -> list[CongressSession]:
    """The sessions and their items in one transaction (the agenda service commits and pushes
    every item on its own). Items have durations and no fixed time, so their times follow from
    the session's start, as an organizer's would."""
    sessions = []
    for title, kind, day, start, end, room, chair, items in SESSIONS:
        session = CongressSession(congress=congress, title=title, kind=kind,
                                  starts_at=_at(day, start), ends_at=_at(day, end), room=room,
                                  chair=chair, items=[
                                      AgendaItem(title=item_title, presenter=presenter,
                                                 duration_minutes=minutes, position=position)
                                      for position, (item_title, presenter, minutes)
                                      in enumerate(items, start=1)])
        db.session.add(session)
        sessions.append(session)
    db.session.commit()
    return sessions


def _demo_delegates(congress: Congress) -> None:
    """Register the delegates, give a few a photo and check some in at the two gates.

    The list goes in as one insert, as an import does (300 separate registrations cost the
    first start ten seconds); each row is checked by the register form's own rules first."""
    categories(congress)
    rows = [new_delegate_values(congress, validate(DelegateInput, person | {
        "code": f"DB{number:04d}"})) for number, person in enumerate(demo_delegates(), start=1)]
    db.session.execute(insert(Delegate), rows)
    record(None, "delegate.import", congress_id=congress.id, details={"created": len(rows)})
    db.session.commit()
    delegates_changed.send(congress, actor=SYSTEM)
    delegates = list(db.session.scalars(
        select(Delegate).where(Delegate.congress_id == congress.id).order_by(Delegate.id)))
    for index, delegate in enumerate(delegates[:PHOTOS]):
        set_delegate_photo(SYSTEM, delegate, portrait(index, delegate.gender))
    official = [delegate for delegate in delegates if delegate.category == "official"]
    for index, delegate in enumerate(official[:ARRIVALS]):
        check_in_delegate(SYSTEM, delegate, gate="Cổng A" if index % 3 else "Cổng B")
    # They arrived on the first morning, before the opening, as a real congress's delegates
    # did: so they are present for every session (and can vote), not only "today".
    arrivals = db.session.scalars(select(CheckIn).where(CheckIn.congress_id == congress.id)
                                  .order_by(CheckIn.id))
    for index, checkin in enumerate(arrivals):
        checkin.checked_in_at = _at(27, "13:00") + timedelta(seconds=50 * index)
    db.session.commit()


def load_demo() -> tuple[Congress, bool]:
    """Create the demo congress unless it exists; returns it and whether it was created.

    Its documents come a few seconds later: a job renders them (see papers.py)."""
    existing = db.session.scalar(select(Congress).where(Congress.slug == SLUG))
    if existing is not None:
        return existing, False
    congress = Congress(
        slug=SLUG, name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX, nhiệm kỳ 2023-2028",
        organizing_union="Liên đoàn Lao động tỉnh Hà Tĩnh", term="2023-2028", ordinal=19,
        venue="Trung tâm Hội nghị tỉnh Hà Tĩnh", starts_on=date(2023, 9, 27),
        ends_on=date(2023, 9, 28), timezone=TZ, quorum_numerator=1, quorum_denominator=2,
        quorum_strict=True, published=True)
    db.session.add(congress)
    db.session.flush()
    record(None, "congress.demo", congress_id=congress.id, target=f"congress:{SLUG}")
    sessions = _demo_agenda(congress)
    for title, platform, url, session, day, start in STREAMS:
        create_stream(SYSTEM, congress, {
            "title": title, "platform": platform, "url": url,
            "session_id": None if session is None else sessions[session].id,
            "scheduled_start": _at(day, start)})
    _demo_screens(congress)
    db.session.commit()
    _demo_delegates(congress)
    demo_votes(congress)
    demo_speakers(congress)
    demo_elections(congress)
    start_demo_papers(congress)
    return congress, True


def redirect_former_slug():
    """Links to the demo's former address (the README, bookmarks) lead to its new one, unless a
    congress still has that address (an install from before the change keeps it)."""
    if (request.view_args or {}).get("slug") != FORMER_SLUG or db.session.scalar(
            select(Congress.id).where(Congress.slug == FORMER_SLUG)) is not None:
        return None
    path = request.path.replace(f"/c/{FORMER_SLUG}", f"/c/{SLUG}", 1)
    query = request.query_string.decode("latin-1")
    return redirect(f"{path}?{query}" if query else path, 302)


def init_app(app: Flask) -> None:
    app.before_request(redirect_former_slug)
