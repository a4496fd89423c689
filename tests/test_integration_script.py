"""scripts/agenda_via_api.py against a real HTTP server, as a union's IT person would run it."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conference.agenda.service import ordered_sessions
from conference.auth.service import create_api_token
from conference.congresses.models import Congress
from conference.extensions import db

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "agenda_via_api.py"


@pytest.fixture
def server(app):
    """The app on a free local port, served by werkzeug in a thread; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_script_builds_publishes_and_drives_a_congress(server, create_user):
    user = create_user("union-it", can_create=True)
    token = create_api_token(None, user, "integration")[1]

    result = run_script("--base-url", server, "--token", token, "--starts-on", "2026-10-08",
                        "--slug", "dai-hoi-xv")

    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    congress = db.session.scalar(db.select(Congress).where(Congress.slug == "dai-hoi-xv"))
    assert congress is not None and congress.published
    assert user.role_in(congress.id) == "organizer"
    sessions = ordered_sessions(congress)
    assert [s.kind for s in sessions] == ["preparatory", "official", "closing", "ceremony"]
    assert [len(s.items) for s in sessions] == [3, 5, 3, 1]
    assert sessions[0].starts_at.isoformat() == "2026-10-08T07:00:00+00:00"  # 14:00 in Hà Nội
    items = [item for s in sessions for item in s.items]
    assert congress.current_item_id == items[1].id  # started, next, next, previous
    assert [i.position for i in sessions[1].items] == [1, 2, 3, 4, 5]

    out = result.stdout
    assert "Created and published congress" in out and "/c/dai-hoi-xv" in out
    assert "08/10/2026 14:00–16:00  Phiên trù bị [preparatory]" in out
    assert f"> 2. {items[1].title}" in out
    assert out.rstrip().endswith(f"Current item: {items[1].title}")


def test_the_script_reports_a_refusal(server, create_user):
    token = create_api_token(None, create_user("no-rights"))[1]  # may not create congresses
    result = run_script("--base-url", server, "--token", token)
    assert result.returncode == 1
    assert "403 forbidden" in result.stderr
    assert db.session.scalar(db.select(db.func.count(Congress.id))) == 0


def test_the_script_reports_a_wrong_token_and_an_unreachable_server(server):
    result = run_script("--base-url", server, "--token", "cft_wrong")
    assert result.returncode == 1 and "401 unauthorized" in result.stderr
    result = run_script("--base-url", "http://127.0.0.1:9", "--token", "cft_x")
    assert result.returncode == 2 and "Cannot reach" in result.stderr
