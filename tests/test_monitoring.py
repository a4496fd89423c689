"""What an operator's monitor reads: /healthz with a status code it can act on, and /metrics
in the Prometheus text format, readable only by the monitor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from conference.checkin.service import perform_checkin
from conference.dates import utcnow
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from tests.test_checkin import add_delegate

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
