"""Jobs: a consumer that died leaves no job running, old jobs are swept, shared jobs are shared,
and work under limits dies alone."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from conference.auth.service import Actor
from conference.badges import service as badges
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.errors import Conflict
from conference.extensions import db
from conference.jobs import service
from conference.jobs.models import Job, JobStatus
from conference.limits import LimitExceeded, run_limited
from tests.conftest import TEST_REDIS_URL, wait_for_status

pytestmark = pytest.mark.english


class Admin:
    is_admin, id, username = True, None, "admin"


def add_delegates(congress: Congress, count: int) -> None:
    db.session.execute(db.insert(Delegate), [new_delegate_values(congress, DelegateInput(
        code=f"DB{n:04d}", full_name=f"Nguyễn Văn {n}")) for n in range(count)])
    db.session.commit()


def badge_run_under_way(app, create_congress, consumer):
    """A consumer on `app` and a print run of 120 badges it has started: (consumer, job)."""
    congress = create_congress()
    add_delegates(congress, 120)
    running = consumer(app)
    job = badges.start_badge_job(Actor(Admin()), congress, badges.BadgeSelection(),
                                 "https://daihoi.example.vn")
    return running, wait_for_status(job.id, (JobStatus.RUNNING,))


@pytest.mark.slow
def test_a_job_whose_consumer_died_is_marked_failed_when_a_consumer_starts(
        make_app, create_congress, consumer):
    app = make_app(JOBS_IMMEDIATE=False, DEFAULT_LOCALE="en")
    with app.app_context():
        first, job = badge_run_under_way(app, create_congress, consumer)
        first.kill()  # mid-job, with no chance to say anything; its workers die with it
        assert wait_for_status(job.id, (JobStatus.RUNNING,)).status == JobStatus.RUNNING

        consumer(app)
        job = wait_for_status(job.id, (JobStatus.FAILED,), timeout=60)
        assert job.error_code == "worker_lost"
        assert job.error.startswith("The job stopped because the process running it ended")
        assert job.error.endswith("Start it again.")
        assert job.finished_at is not None


@pytest.mark.slow
def test_a_consumer_stopped_mid_job_says_the_job_was_interrupted(make_app, create_congress,
                                                                 consumer):
    app = make_app(JOBS_IMMEDIATE=False, DEFAULT_LOCALE="en")
    with app.app_context():
        running, job = badge_run_under_way(app, create_congress, consumer)
        running.stop()  # as `python app.py` stops its consumer on the way out
        job = wait_for_status(job.id, (JobStatus.FAILED,), timeout=30)
        assert (job.error_code, job.error) == (
            "interrupted", "The server stopped while this job ran. Start it again.")


@pytest.mark.slow
@pytest.mark.skipif(not TEST_REDIS_URL, reason="set CONFERENCE_TEST_REDIS_URL to a Redis "
                                               "database the test may use")
def test_a_consumer_on_redis_runs_a_print_run(make_app, create_congress, consumer):
    from conference.tasks import queue

    app = make_app(JOBS_IMMEDIATE=False, REDIS_URL=TEST_REDIS_URL)
    with app.app_context():
        assert type(queue.storage).__name__ == "RedisStorage"
        queue.storage.flush_all()
        try:
            _running, job = badge_run_under_way(app, create_congress, consumer)
            job = wait_for_status(job.id, (JobStatus.DONE, JobStatus.FAILED))
            assert job.status == JobStatus.DONE and job.result["badges"] == 120
            assert service.job_result(job).startswith(b"%PDF-")
        finally:
            queue.storage.flush_all()


def _job(congress: Congress, **fields) -> Job:
    job = Job(congress_id=congress.id, kind=badges.BADGES_JOB, params={}, **fields)
    db.session.add(job)
    db.session.commit()
    return job


def test_only_running_jobs_with_a_stale_heartbeat_are_lost(app, congress):
    """Several consumers may share one Redis queue: a job another one is running is left be."""
    now = utcnow()
    beating = _job(congress, status=JobStatus.RUNNING, started_at=now - timedelta(hours=1),
                   heartbeat_at=now - timedelta(seconds=2))
    silent = _job(congress, status=JobStatus.RUNNING, started_at=now - timedelta(minutes=5),
                  heartbeat_at=now - service.LOST_AFTER - timedelta(seconds=1))
    waiting = _job(congress, status=JobStatus.QUEUED, created_at=now - timedelta(hours=1))
    assert service.fail_lost_jobs() == [silent.id]
    db.session.expire_all()
    assert (beating.status, silent.status, waiting.status) == (
        JobStatus.RUNNING, JobStatus.FAILED, JobStatus.QUEUED)
    assert silent.error_code == "worker_lost"
    # A consumer on SQLite is the only one of its queue: at its start nothing else runs.
    assert service.fail_lost_jobs(every_running=True) == [beating.id]


def test_a_job_whose_heartbeat_stopped_reads_failed_at_once(app, congress, create_user):
    """Its consumer was killed: whoever follows the job (its page, the API) sees it failed as
    soon as the heartbeat is stale, not at the next sweep up to a minute later."""
    organizer = Actor(create_user(role="organizer", congress=congress))
    now = utcnow()
    silent = _job(congress, status=JobStatus.RUNNING, started_at=now - timedelta(minutes=1),
                  heartbeat_at=now - service.LOST_AFTER - timedelta(seconds=1))
    beating = _job(congress, status=JobStatus.RUNNING, started_at=now - timedelta(minutes=1),
                   heartbeat_at=now)
    assert service.get_job(organizer, silent.id).status == JobStatus.FAILED
    assert silent.error_code == "worker_lost"
    assert service.get_job(organizer, beating.id).status == JobStatus.RUNNING


def test_jobs_older_than_the_retention_are_swept_with_their_files(make_app, create_congress):
    app = make_app(JOB_RETENTION_DAYS=3)
    with app.app_context():
        congress = create_congress()
        old_time = utcnow() - timedelta(days=3, minutes=1)
        old = _job(congress, status=JobStatus.DONE, result_file="old.pdf", created_at=old_time)
        recent = _job(congress, status=JobStatus.DONE, result_file="recent.pdf",
                      created_at=utcnow() - timedelta(days=2))
        folder = service.results_dir()
        for name in ("old.pdf", "recent.pdf", "orphan.pdf"):
            (folder / name).write_bytes(b"%PDF-1.7")
        os.utime(folder / "orphan.pdf", (old_time.timestamp(), old_time.timestamp()))
        assert service.sweep_old_jobs() == 1
        assert db.session.get(Job, old.id) is None and db.session.get(Job, recent.id)
        assert sorted(path.name for path in folder.iterdir()) == ["recent.pdf"]


def test_a_shared_job_is_started_once_per_key_and_again_after_a_failure(app, congress,
                                                                         monkeypatch):
    started = []
    monkeypatch.setattr(service, "_enqueue", started.append)
    first = service.start_shared_job(congress, badges.BADGES_JOB, "k", {}, "vi")
    again = service.start_shared_job(congress, badges.BADGES_JOB, "k", {}, "vi")
    assert again.id == first.id and started == [first]
    first.status = JobStatus.FAILED
    db.session.commit()
    retried = service.start_shared_job(congress, badges.BADGES_JOB, "k", {}, "vi")
    assert len(started) == 2 and retried.status == JobStatus.QUEUED
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 1  # the failed one is gone


def _spin() -> None:
    while True:
        pass


def _refuse() -> None:
    raise Conflict("No.", code="refused", fields={"file": "No."})


def test_work_under_limits_dies_alone_and_says_which_limit():
    assert run_limited(sum, [1, 2, 3], memory_mb=50, seconds=5) == 6
    with pytest.raises(LimitExceeded) as exceeded:
        run_limited(bytearray, 512 * 2**20, memory_mb=50, seconds=5)
    assert exceeded.value.limit == "memory"
    with pytest.raises(LimitExceeded) as exceeded:
        run_limited(_spin, memory_mb=50, seconds=1)
    assert exceeded.value.limit == "time"
    with pytest.raises(Conflict) as refused:  # the child's error, with its code and fields
        run_limited(_refuse, memory_mb=50, seconds=5)
    assert (refused.value.code, refused.value.fields) == ("refused", {"file": "No."})


def test_a_pdf_not_ready_at_once_is_followed_on_the_job_page(app, client, congress, organizer,
                                                             monkeypatch):
    from conference.jobs import views

    queued = []
    monkeypatch.setattr(service, "_enqueue", queued.append)  # no consumer gets to it yet
    monkeypatch.setattr(views, "READY_WAIT", 0.2)
    response = client.get(f"/manage/{congress.id}/poster.pdf?size=a3")
    [job] = queued
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manage/jobs/{job.id}/view"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Waiting to start…" in page.text and '<meta http-equiv="refresh"' in page.text
    assert f'data-job-url="/manage/jobs/{job.id}"' in page.text

    service.run_job(job.id)  # the consumer's turn
    page = client.get(f"/manage/jobs/{job.id}/view")
    assert "Ready." in page.text and f'href="/manage/jobs/{job.id}/result"' in page.text
    assert 'http-equiv="refresh"' not in page.text
    pdf = client.get(f"/manage/jobs/{job.id}/result")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert client.get(f"/manage/jobs/{job.id}").json["result"] == {"size": "a3"}
