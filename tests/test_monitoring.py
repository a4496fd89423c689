"""What an operator's monitor reads: /healthz with a status code it can act on, and /metrics
in the Prometheus text format, readable only by the monitor."""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from conference import live, monitoring
from conference.checkin.service import perform_checkin
from conference.dates import utcnow
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from tests.test_checkin import add_delegate

pytestmark = pytest.mark.english
ELSEWHERE = {"REMOTE_ADDR": "10.0.0.5"}


def value(page: str, metric: str) -> float:
    """The number of one sample line, e.g. value(page, 'conference_jobs{status="queued"}')."""
    found = re.search(rf"^{re.escape(metric)} (\S+)$", page, re.M)
    assert found, f"{metric} not in:\n{page[:2000]}"
    return float(found.group(1))


def test_a_healthy_app_answers_200_with_each_check(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    checks = answer.json["checks"]
    assert answer.json["status"] == "ok"
    assert {"database", "redis", "jobs"} <= set(checks)
    assert checks["database"]["ok"] and checks["redis"]["found"] == "not configured"


def test_an_unreachable_redis_is_503_and_names_no_address(client, app, monkeypatch):
    monkeypatch.setitem(app.config["CONFERENCE"], "REDIS_URL", "redis://127.0.0.1:1/0")
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json["status"] == "failing"
    assert answer.json["checks"]["redis"] == {**answer.json["checks"]["redis"], "ok": False,
                                              "found": "does not answer"}
    assert "127.0.0.1" not in answer.get_data(as_text=True)
    assert answer.json["checks"]["database"]["ok"]  # the others are still asked


def test_jobs_waiting_with_none_running_say_the_consumer_is_missing(client, congress):
    db.session.add(Job(congress_id=congress.id, kind="badges", key="k1", params={},
                       locale="vi", status=JobStatus.QUEUED,
                       created_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json["checks"]["jobs"]["found"].startswith("jobs wait and none runs")


PUBLIC = 'conference_http_requests_total{endpoint="congresses.public",method="GET",status="200"}'
MISSING = 'conference_http_requests_total{endpoint="unmatched",method="GET",status="404"}'


def count(page: str, metric: str) -> float:
    """Like `value`, 0 for a sample not there yet (request counters live as long as the
    process, so a test compares before and after)."""
    return value(page, metric) if f"{metric} " in page else 0.0


def test_metrics_count_requests_check_ins_jobs_and_live_connections(client, congress, door,
                                                                   socket_client):
    before = client.get("/metrics").get_data(as_text=True)
    client.get(f"/c/{congress.slug}")
    client.get("/no-such-page")
    client.get("/no-such-page-either")
    _delegate, token = add_delegate(congress)
    perform_checkin(door, congress, token)
    sock = socket_client(auth={"congress": congress.slug})
    assert sock.is_connected("/live")
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    page = answer.get_data(as_text=True)
    assert count(page, PUBLIC) - count(before, PUBLIC) == 1
    assert count(page, MISSING) - count(before, MISSING) == 2
    assert value(page, "conference_checkins_last_minute") == 1
    assert value(page, 'conference_jobs{status="queued"}') == 0
    assert re.search(r'^conference_live_connections\{channel="/live",pid="\d+"\} 1\.0$',
                     page, re.M), page
    assert "conference_http_request_seconds_bucket" in page


def test_only_the_monitor_reads_metrics(client, app, monkeypatch):
    refused = client.get("/metrics", environ_base=ELSEWHERE)
    assert refused.status_code == 403 and "conference_" not in refused.get_data(as_text=True)
    monkeypatch.setitem(app.config["CONFERENCE"], "METRICS_TOKEN", "s3cret-monitor-token")
    assert client.get("/metrics", environ_base=ELSEWHERE,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    allowed = client.get("/metrics", environ_base=ELSEWHERE,
                         headers={"Authorization": "Bearer s3cret-monitor-token"})
    assert allowed.status_code == 200 and "conference_jobs" in allowed.get_data(as_text=True)


@pytest.fixture
def door(create_user, congress):
    from conference.auth.service import Actor

    return Actor(create_user(role="checkin", congress=congress), source="web")


# --- the consoles' view --------------------------------------------------------------------


@pytest.fixture
def fresh_history(monkeypatch):
    """What this process saw, forgotten: each test starts with no history."""
    monkeypatch.setattr(monitoring, "_seen", {})
    monkeypatch.setattr(monitoring, "incidents", deque(maxlen=10))


def test_the_system_line_is_for_signed_in_staff(client, fresh_history):
    answer = client.get("/manage/status")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_consoles_see_a_part_fail_and_come_back(client, app, login, create_user,
                                                    fresh_history, monkeypatch):
    login(create_user())
    assert "Redis" in client.get("/manage/status").get_data(as_text=True)
    monkeypatch.setitem(app.config["CONFERENCE"], "REDIS_URL", "redis://127.0.0.1:1/0")
    failing = client.get("/manage/status").get_data(as_text=True)
    assert "Redis: not answering since" in failing
    assert "127.0.0.1" not in failing
    monkeypatch.setitem(app.config["CONFERENCE"], "REDIS_URL", None)
    back = client.get("/manage/status").get_data(as_text=True)
    assert "not answering since" not in back
    assert re.search(r"Redis did not answer for \d+ s \(\d\d:\d\d:\d\d–\d\d:\d\d:\d\d\)",
                     back), back


def test_pushes_waiting_to_be_sent_again_are_shown(client, login, create_user, fresh_history,
                                                   monkeypatch):
    login(create_user())
    monkeypatch.setattr(live, "unsent_count", lambda: 3)
    assert "3 live updates wait to be sent again" in client.get("/manage/status").get_data(
        as_text=True)


def test_the_agenda_control_and_the_screens_console_carry_the_system_line(
        client, login, create_user, congress):
    login(create_user(role="operator", congress=congress))
    for page in (f"/manage/{congress.id}/control", f"/manage/{congress.id}/screens"):
        html = client.get(page).get_data(as_text=True)
        assert 'id="system-status"' in html and "/manage/status" in html, page


@pytest.mark.parametrize("path", ["/manage/", "/api/v1/congresses"])
def test_a_database_that_does_not_answer_is_a_503_that_says_so(client, login, create_user,
                                                               api, monkeypatch, path):
    """PostgreSQL restarting: a clear 503 with Retry-After, never a stack trace."""
    user = create_user(admin=True)
    caller = api(user) if path.startswith("/api/") else client
    if caller is client:
        login(user)

    def restarting(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr("conference.congresses.service.list_congresses", restarting)
    answer = caller.get(path)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    text = answer.get_data(as_text=True)
    assert "The database does not answer" in text and "Traceback" not in text
    if path.startswith("/api/"):
        assert answer.json["error"]["code"] == "database_unavailable"


def test_with_the_database_down_the_job_check_is_not_blamed(client, app, monkeypatch,
                                                            fresh_history):
    """The job queue's check reads the database: while that is down it is 'not checked', not
    an outage of its own in the consoles' history."""
    def no_database():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(monitoring, "_database", no_database)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json["checks"]["database"]["ok"] is False
    assert answer.json["checks"]["jobs"]["ok"] is None
    assert "jobs" not in monitoring._seen
