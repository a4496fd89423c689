"""Badge pages: the organizers' print run as a background job, one badge at the desk."""

from __future__ import annotations

import re

import pytest

from conference.badges.identity import portal_url
from conference.delegates.models import DelegateStatus
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from tests import test_badges
from tests.conftest import wait_for_announcement, wait_for_job
from tests.test_badges import decode_qr, page_count

pytestmark = pytest.mark.english


# The badge tests' world: a congress with its categories, numbered delegates.
congress = test_badges.congress
make_delegate = test_badges.make_delegate


@pytest.fixture
def signed_in(client, login, create_user, congress):
    def as_role(role: str):
        user = create_user(role=role, congress=congress)
        login(user)
        return user

    return as_role


def test_the_page_offers_layouts_and_filters(client, signed_in, congress,
                                             make_delegate):
    make_delegate(congress, delegation="Đoàn Kỳ Anh")
    make_delegate(congress, delegation="Đoàn Cẩm Xuyên", category="guest")
    make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    signed_in("organizer")
    response = client.get(f"/manage/{congress.id}/badges")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for expected in ('value="sheet"', 'value="a6"', 'value="card"', "Đoàn Kỳ Anh",
                     "Đoàn Cẩm Xuyên", 'name="codes"', 'value="guest"', "js/job.js"):
        assert expected in page
    assert "2 badges can be printed" in page  # the withdrawn delegate is left out
    assert "delegate ids" not in page  # nobody sees those numbers; the codes are on the badges
    assert "<script>" not in page and "onclick" not in page  # CSP: no inline script


def test_a_print_run_is_a_job_with_progress_and_a_download(client, signed_in,
                                                           congress,
                                                           make_delegate,
                                                           tmp_path):
    delegates = [make_delegate(congress) for _ in range(10)]
    signed_in("organizer")
    response = client.post(f"/manage/{congress.id}/badges", data={"layout": "sheet",
                                                                    "lang": "vi"})
    assert response.status_code == 302
    job_id = int(re.search(r"job=(\d+)", response.headers["Location"]).group(1))
    job = db.session.get(Job, job_id)
    assert (job.kind, job.status, job.done, job.total) == ("badges", JobStatus.DONE, 10, 10)
    assert job.params["base_url"] == "http://localhost"

    status = client.get(f"/manage/jobs/{job_id}").json
    assert status["status"] == "done" and status["result"] == {"badges": 10, "layout": "sheet"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/manage/jobs/{job_id}/result" in page
    assert f'data-job-url="/manage/jobs/{job_id}"' in page

    result = client.get(f"/manage/jobs/{job_id}/result")
    assert result.mimetype == "application/pdf"
    assert page_count(result.data) == 2
    assert sorted(decode_qr(result.data, tmp_path)) == sorted(
        portal_url(d, "http://localhost") for d in delegates[:8])


def test_backs_are_ticked_when_somebody_votes_and_the_box_decides(client, signed_in, congress,
                                                                 make_delegate):
    make_delegate(congress, category="guest")
    signed_in("organizer")
    box = re.compile(r'<input type="checkbox" name="backs" value="1"( checked)?')
    page = client.get(f"/manage/{congress.id}/badges").get_data(as_text=True)
    assert box.search(page).group(1) is None  # guests only: nobody has a PIN
    assert "flip on long edge" in page  # the print page says how to print them
    for _ in range(8):
        make_delegate(congress)
    page = client.get(f"/manage/{congress.id}/badges").get_data(as_text=True)
    assert box.search(page).group(1) == " checked"
    client.post(f"/manage/{congress.id}/badges", data={"layout": "sheet", "backs": "1"})
    ticked = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    client.post(f"/manage/{congress.id}/badges", data={"layout": "sheet"})  # box unticked
    unticked = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert (ticked.params["backs"], unticked.params["backs"]) == (True, False)
    assert page_count(client.get(f"/manage/jobs/{ticked.id}/result").data) == 4
    assert page_count(client.get(f"/manage/jobs/{unticked.id}/result").data) == 2
    wrong = client.post(f"/manage/{congress.id}/badges", data={"backs": "maybe"})
    assert wrong.status_code == 422 and "Answer true or false." in wrong.get_data(as_text=True)


def test_the_filters_narrow_the_run(client, signed_in, congress, make_delegate):
    for _ in range(3):
        make_delegate(congress, category="guest")
    make_delegate(congress, category="official")
    signed_in("organizer")
    client.post(f"/manage/{congress.id}/badges", data={"layout": "card", "category": "guest"})
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.total == 3 and page_count(client.get(f"/manage/jobs/{job.id}/result").data) == 3


def test_a_reprint_takes_the_codes_printed_on_the_badges(client, signed_in, congress,
                                                         make_delegate):
    chosen = [make_delegate(congress) for _ in range(4)]
    signed_in("organizer")
    client.post(f"/manage/{congress.id}/badges",
                data={"layout": "a6", "codes": f"{chosen[0].code.lower()},  {chosen[2].code}"})
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.total == 2 and job.params["codes"] == [chosen[0].code, chosen[2].code]


def test_unknown_codes_are_named_and_nothing_is_printed(client, signed_in, congress,
                                                        make_delegate):
    make_delegate(congress)
    signed_in("organizer")
    response = client.post(f"/manage/{congress.id}/badges",
                           data={"codes": "DB0001 DB9998 db9999"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "No delegate has the code DB9998, DB9999." in page
    assert "DB0001 DB9998 db9999" in page  # the field keeps what was typed
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_delegates_found_on_the_print_page_can_be_ticked(client, signed_in, congress,
                                                         make_delegate):
    lan = make_delegate(congress, full_name="Lê Thị Lan")
    make_delegate(congress, full_name="Trần Văn Hùng")
    gone = make_delegate(congress, full_name="Lê Văn Hòa", status=DelegateStatus.WITHDRAWN)
    hung = make_delegate(congress, full_name="Phạm Đức Hùng")
    signed_in("organizer")
    page = client.get(f"/manage/{congress.id}/badges?q=le&codes={hung.code}").get_data(
        as_text=True)
    assert f'name="pick" value="{lan.code}"' in page
    assert re.search(rf'name="pick" value="{gone.code}"[^>]*disabled', page)
    assert "Trần Văn Hùng" not in page
    assert f'name="codes" value="{hung.code}"' in page  # a new search keeps the codes so far
    client.post(f"/manage/{congress.id}/badges",
                data={"layout": "card", "codes": hung.code, "pick": [lan.code]})
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.total == 2 and sorted(job.params["codes"]) == sorted([hung.code, lan.code])


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE,
                                    JobStatus.FAILED])
def test_the_job_box_and_the_recent_runs_say_the_same(client, signed_in, congress, status):
    job = Job(congress_id=congress.id, kind="badges", params={}, status=status, done=0,
              total=0, result={"badges": 12} if status == JobStatus.DONE else None,
              error="Hết bộ nhớ" if status == JobStatus.FAILED else "")
    db.session.add(job)
    db.session.commit()
    signed_in("organizer")
    page = client.get(f"/manage/{congress.id}/badges?job={job.id}").get_data(as_text=True)
    states = re.findall(rf'data-job-state="{job.id}">([^<]*)<', page)
    assert len(states) == 2 and states[0] == states[1]
    assert "……" not in page and "0 of" not in page and "in progress" not in page
    expected = {JobStatus.QUEUED: "Waiting to start…", JobStatus.RUNNING: "Starting…",
                JobStatus.DONE: "Ready: 12 badges.",
                JobStatus.FAILED: "The print run failed: Hết bộ nhớ"}[status]
    assert states[0] == expected


def test_the_progress_line_counts_once_the_total_is_known(client, signed_in, congress):
    job = Job(congress_id=congress.id, kind="badges", params={}, status=JobStatus.RUNNING,
              done=40, total=300)
    db.session.add(job)
    db.session.commit()
    signed_in("organizer")
    page = client.get(f"/manage/{congress.id}/badges?job={job.id}").get_data(as_text=True)
    assert page.count("Rendering: 40 of 300 badges…") == 2
    job_page = client.get(f"/manage/jobs/{job.id}/view").get_data(as_text=True)
    assert "Working: 40 of 300…" in job_page


@pytest.mark.parametrize(("form", "message"), [
    ({"codes": "DB0001, ĐB#2"}, "Delegate codes are letters, digits"),
    ({"layout": "poster"}, "Choose one of"),
    ({"category": "nobody"}, "No delegate matches"),
])
def test_a_wrong_choice_shows_the_form_again(client, signed_in, congress,
                                             make_delegate, form, message):
    make_delegate(congress)
    signed_in("organizer")
    response = client.post(f"/manage/{congress.id}/badges", data={"layout": "sheet"} | form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_a_failed_run_says_so_and_logs_why(client, signed_in, congress, make_delegate,
                                           monkeypatch, caplog):
    from conference.badges import service

    make_delegate(congress)

    def broken(*args, **kwargs):
        raise RuntimeError("the printer caught fire")

    monkeypatch.setattr(service, "render_badges", broken)
    signed_in("organizer")
    location = client.post(f"/manage/{congress.id}/badges", data={}).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "The print run failed: The job stopped because of an error on our side" in page
    assert "printer" not in page  # what went wrong inside is for the log, not the page
    assert "the printer caught fire" in caplog.text
    job = db.session.scalar(db.select(Job))
    assert job.status == JobStatus.FAILED
    assert client.get(f"/manage/jobs/{job.id}/result").status_code == 404


def test_a_job_of_another_congress_is_not_shown(client, signed_in, congress,
                                                create_congress):
    other = create_congress()
    job = Job(congress_id=other.id, kind="badges", params={}, status=JobStatus.DONE)
    db.session.add(job)
    db.session.commit()
    signed_in("organizer")
    assert client.get(f"/manage/{congress.id}/badges?job={job.id}").status_code == 404
    assert client.get(f"/manage/jobs/{job.id}").status_code == 404


def test_check_in_staff_print_one_badge_at_the_desk(client, signed_in, congress,
                                                    make_delegate, tmp_path):
    delegate = make_delegate(congress)
    signed_in("checkin")
    response = client.get(f"/manage/delegates/{delegate.id}/badge.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert f'filename="badge-{delegate.code}.pdf"' in response.headers["Content-Disposition"]
    assert decode_qr(response.data, tmp_path) == [portal_url(delegate, "http://localhost")]
    card = client.get(f"/manage/delegates/{delegate.id}/badge.pdf?layout=card&lang=en")
    assert card.status_code == 200 and page_count(card.data) == 2  # the badge and its back
    front = client.get(f"/manage/delegates/{delegate.id}/badge.pdf?layout=card&backs=0")
    assert front.status_code == 200 and page_count(front.data) == 1
    assert client.get(f"/manage/{congress.id}/badges").status_code == 403


def test_a_withdrawn_delegates_badge_is_refused_at_the_desk(client, signed_in,
                                                            congress,
                                                            make_delegate):
    delegate = make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    signed_in("checkin")
    response = client.get(f"/manage/delegates/{delegate.id}/badge.pdf")
    assert response.status_code == 409
    assert "withdrawn" in response.get_data(as_text=True)


def test_the_public_url_is_printed_when_set(make_app, login, create_user):
    app = make_app(PUBLIC_URL="https://daihoi.example.vn")
    with app.app_context():
        from datetime import date

        from conference.auth.models import Membership, User
        from conference.congresses.models import Congress
        from conference.delegates.models import Delegate
        from conference.delegates.service import DelegateInput, new_delegate_values
        from tests.conftest import PASSWORD_HASH

        congress = Congress(slug="xix", name="Đại hội XIX", starts_on=date(2023, 9, 27),
                            ends_on=date(2023, 9, 28))
        user = User(username="org", password_hash=PASSWORD_HASH)
        db.session.add_all([congress, user])
        db.session.flush()
        db.session.add(Membership(user=user, congress_id=congress.id, role="organizer"))
        delegate = Delegate(**new_delegate_values(congress, DelegateInput(full_name="Lê Lan")))
        db.session.add(delegate)
        db.session.commit()
        client = app.test_client()
        login(user, the_client=client)
        client.post(f"/manage/{congress.id}/badges", data={})
        job = db.session.scalar(db.select(Job))
        assert job.params["base_url"] == "https://daihoi.example.vn"
        assert job.status == JobStatus.DONE


@pytest.mark.slow
def test_a_print_run_done_by_a_consumer_process(make_app, consumer, job_announcements):
    """The real runner: a consumer process (SQLite queue) that knows the badge job."""
    from datetime import date

    from conference.auth.service import Actor
    from conference.badges import service
    from conference.congresses.models import Congress
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, new_delegate_values

    app = make_app(JOBS_IMMEDIATE=False)
    with app.app_context():
        congress = Congress(slug="xix", name="Đại hội XIX", starts_on=date(2023, 9, 27),
                            ends_on=date(2023, 9, 28))
        db.session.add(congress)
        db.session.commit()
        db.session.add_all([Delegate(**new_delegate_values(congress, DelegateInput(
            code=f"DB{n:04d}", full_name=f"Nguyễn Văn {n}"))) for n in range(20)])
        db.session.commit()

        class Admin:
            is_admin, id, username = True, None, "admin"

        consumer(app)
        job = service.start_badge_job(Actor(Admin()), congress, service.BadgeSelection(),
                                      "https://daihoi.example.vn")
        job = wait_for_job(job.id)
        from conference.jobs.service import job_result

        assert page_count(job_result(job)) == 6  # three sheets, each followed by its backs
        wait_for_announcement(job_announcements, job.id)


def test_a_code_with_a_slash_makes_a_safe_file_name(client, signed_in, congress, make_delegate):
    delegate = make_delegate(congress, code="HT/2023.07")
    signed_in("organizer")
    response = client.get(f"/manage/delegates/{delegate.id}/badge.pdf")
    assert response.headers["Content-Disposition"] == 'inline; filename="badge-HT-2023.07.pdf"'
