"""The audit log page reads in people's words: actions, changed fields, local time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from conference.audit.models import AuditEntry
from conference.audit.wording import ACTIONS
from conference.extensions import db

SOURCE = Path(__file__).resolve().parents[1] / "conference"


def _entry(congress, **fields) -> AuditEntry:
    values = {"username": "lan", "congress_id": congress.id, "action": "delegate.update",
              "target": "delegate:DB0005", "details": {"unit": "Công đoàn Viên chức tỉnh"},
              "at": datetime(2023, 9, 27, 1, 30, 5, tzinfo=UTC)} | fields
    entry = AuditEntry(**values)
    db.session.add(entry)
    db.session.commit()
    return entry


def test_entries_show_translated_actions_fields_and_local_time(client, congress, create_user,
                                                              login):
    login(create_user(admin=True))
    _entry(congress)
    page = client.get("/admin/audit").text
    assert "Thay đổi đại biểu" in page and "delegate.update" not in page.split("<tbody>")[1]
    assert "Đơn vị:</span> Công đoàn Viên chức tỉnh" in page
    assert "{&#34;unit&#34;" not in page and '{"unit"' not in page  # no raw JSON
    assert "27/09/2023 08:30:05" in page  # 01:30 UTC in Asia/Ho_Chi_Minh
    assert "UTC" not in page
    assert "Đại biểu DB0005" in page and "trang web" in page

    client.get("/lang/en")
    page = client.get("/admin/audit").text
    assert "Delegate changed" in page and "Unit:</span>" in page
    assert "27 Sep 2023 08:30:05" in page


def test_yes_no_and_account_fields_read_as_words(client, congress, create_user, login):
    login(create_user(admin=True))
    _entry(congress, action="user.create", target="user:lan", source="cli",
           details={"is_admin": True, "can_create_congresses": False})
    rows = client.get("/admin/audit").text.split("<tbody>")[1]
    assert "Quản trị viên:</span> có" in rows and "tạo đại hội:</span> không" in rows
    assert "Tài khoản lan" in rows and "dòng lệnh" in rows and "True" not in rows



def test_an_entry_in_another_time_zone_shows_that_zone(client, create_congress, create_user,
                                                       login):
    login(create_user(admin=True))
    _entry(create_congress(timezone="Europe/Paris"))
    assert "27/09/2023 03:30:05" in client.get("/admin/audit").text


def test_an_unknown_action_still_shows_as_its_code(client, congress, create_user, login):
    login(create_user(admin=True))
    _entry(congress, action="future.thing", details={"note": "x" * 500})
    page = client.get("/admin/audit").text
    assert "future.thing" in page and "x" * 119 + "…" in page and "x" * 121 not in page


def test_the_action_filter_offers_labels_and_filters_by_code(client, congress, create_user,
                                                             login):
    login(create_user(admin=True))
    _entry(congress)
    _entry(congress, action="session.create", details={"title": "Phiên trù bị"})
    page = client.get("/admin/audit?action=session.create").text
    assert '<option value="session.create" selected>Thêm phiên họp</option>' in page
    rows = page.split("<tbody>")[1]
    assert "Phiên trù bị" in rows and "Công đoàn Viên chức tỉnh" not in rows


def test_every_recorded_action_has_a_label():
    """A new record(..., "x.y") without a label would show its code to Vietnamese readers."""
    literal = re.compile(r'record\(\s*[\w.]+,\s*"([a-z_]+\.[a-z_]+)"')
    branches = re.compile(r'"(auth\.sign_in(?:_failed)?)"')
    screen = re.compile(r'_(?:committed|changed)\(actor, [\w.]+, (?:\[?[\w.]+\]?, )?"([a-z_]+)"')
    stream = re.compile(r'_committed\(actor, congress, stream, "([a-z_]+)"')
    used = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        used |= set(literal.findall(text)) | set(branches.findall(text))
        if path.parent.name == "displays":
            used |= {f"screen.{code}" for code in screen.findall(text)}
        if path.parent.name == "streams":
            used |= {f"stream.{code}" for code in stream.findall(text)}
            used.add("stream.status")  # chosen by a conditional expression
    assert {"delegate.update", "screen.take", "stream.create", "auth.sign_in"} <= used
    assert used - ACTIONS.keys() == set()
