"""Badge API: a print run (a job whose PDF comes back in the answer, or 202 with the job when
it takes longer), one badge's PDF, reissuing a lost badge."""

from __future__ import annotations

import pytest

from conference.api import badges as badges_api
from conference.badges.identity import BadgeRevoked, find_badge, portal_url
from conference.delegates.models import DelegateStatus
from conference.delegates.schemas import BadgeReissued
from conference.extensions import db
from conference.jobs import service as jobs_service
from conference.tasks import queue
from tests import test_badges
from tests.test_badges import decode_qr, page_count, pdf_text

HOST = "http://localhost"


# The badge tests' world: a congress with its categories, numbered delegates.
congress = test_badges.congress
make_delegate = test_badges.make_delegate


@pytest.fixture
def as_role(api, create_user, congress):
    return lambda role: api(create_user(role=role, congress=congress))


def print_run(caller, congress, query: str = ""):
    """A print run through the API: the job ends within the wait, so the answer is its PDF."""
    response = caller.get(f"/api/v1/congresses/{congress.id}/badges.pdf{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return response


@pytest.fixture
def busy_consumer(monkeypatch):
    """The consumer is busy: jobs wait in the queue, and the API does not wait for them.

    Nobody watches them end either: a watcher thread would outlive the test, polling a database
    the next test gets afresh.
    """
    monkeypatch.setattr(queue, "_immediate", False)
    monkeypatch.setattr(badges_api, "RUN_WAIT", 0)
    monkeypatch.setattr(jobs_service, "_watch", lambda job_id: None)


# Each page of badges is followed by a page of backs (the congress has official delegates),
# unless backs=false.
@pytest.mark.parametrize(("query", "pages"), [("", 4), ("?layout=sheet", 4),
                                              ("?layout=single", 18), ("?layout=card", 18),
                                              ("?layout=card&category=guest", 4),
                                              ("?backs=false", 2), ("?layout=card&backs=0", 9),
                                              ("?layout=card&category=guest&backs=true", 4)])
def test_the_congress_badges_come_back_as_one_pdf(as_role, congress, make_delegate, query,
                                                  pages):
    for n in range(9):
        make_delegate(congress, category="guest" if n < 2 else "official")
    make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    response = print_run(as_role("organizer"), congress, query)
    assert page_count(response.data) == pages


def test_filters_by_delegation_and_ids(as_role, congress, make_delegate, tmp_path):
    a = make_delegate(congress, delegation="Đoàn Kỳ Anh")
    b = make_delegate(congress, delegation="Đoàn Kỳ Anh")
    make_delegate(congress, delegation="Đoàn Cẩm Xuyên")
    caller = as_role("organizer")
    by_delegation = print_run(caller, congress, "?layout=sheet&delegation=Đoàn Kỳ Anh")
    assert sorted(decode_qr(by_delegation.data, tmp_path)) == sorted(
        [portal_url(a, HOST), portal_url(b, HOST)])
    by_codes = print_run(caller, congress, f"?layout=sheet&codes={b.code.lower()}")
    assert decode_qr(by_codes.data, tmp_path) == [portal_url(b, HOST)]
    by_ids = print_run(caller, congress, f"?layout=sheet&ids={b.id}")
    assert decode_qr(by_ids.data, tmp_path) == [portal_url(b, HOST)]
    english = print_run(caller, congress, f"?layout=sheet&ids={b.id}&lang=en")
    assert "Official delegate" in pdf_text(english.data)


def test_a_long_print_run_answers_202_with_its_job(as_role, congress, make_delegate,
                                                    busy_consumer):
    make_delegate(congress)
    organizer = as_role("organizer")
    started = organizer.get(f"/api/v1/congresses/{congress.id}/badges.pdf")
    assert started.status_code == 202, started.get_data(as_text=True)[:300]
    assert started.json["job"]["url"] == started.headers["Location"]
    job = organizer.get(started.headers["Location"]).json
    assert (job["kind"], job["status"], job["result_url"]) == ("badges", "queued", None)
    assert organizer.get(f"{job['url']}/result").status_code == 404  # not made yet


def test_a_print_run_is_followed_only_by_those_who_may_start_one(as_role, congress,
                                                                 make_delegate, create_congress,
                                                                 api, create_user,
                                                                 busy_consumer):
    make_delegate(congress)
    url = as_role("organizer").get(f"/api/v1/congresses/{congress.id}/badges.pdf").json[
        "job"]["url"]
    for caller, status in ((as_role("checkin"), 403), (as_role("operator"), 403),
                           (api(create_user(role="organizer", congress=create_congress())), 404)):
        assert caller.get(url).status_code == status
        assert caller.get(f"{url}/result").status_code == status
    assert as_role("organizer").get("/api/v1/jobs/999999").status_code == 404


@pytest.mark.parametrize(("query", "code", "field"), [
    ("?layout=poster", "validation_failed", "layout"),
    ("?ids=1,x", "validation_failed", "ids"),
    ("?codes=DB0001,DB9999", "validation_failed", "codes"),
    ("?codes=%3Cb%3E", "validation_failed", "codes"),
    ("?lang=fr", "validation_failed", "lang"),
    ("?backs=maybe", "validation_failed", "backs"),
    ("?category=nobody", "no_badges", None),
])
def test_wrong_choices_are_json_errors(as_role, congress, make_delegate, query, code, field):
    make_delegate(congress)
    response = as_role("organizer").get(f"/api/v1/congresses/{congress.id}/badges.pdf{query}")
    assert response.status_code == 422
    assert response.json["error"]["code"] == code
    if field:
        assert field in response.json["error"]["fields"]


def test_check_in_staff_get_one_badge_but_not_the_run(as_role, congress, make_delegate,
                                                       tmp_path):
    delegate = make_delegate(congress)
    staff = as_role("checkin")
    response = staff.get(f"/api/v1/delegates/{delegate.id}/badge.pdf")
    assert response.status_code == 200 and page_count(response.data) == 2  # and its back
    assert decode_qr(response.data, tmp_path) == [portal_url(delegate, HOST)]
    front_only = staff.get(f"/api/v1/delegates/{delegate.id}/badge.pdf?backs=false")
    assert front_only.status_code == 200 and page_count(front_only.data) == 1
    wrong = staff.get(f"/api/v1/delegates/{delegate.id}/badge.pdf?backs=maybe")
    assert wrong.status_code == 422 and "backs" in str(wrong.json["error"])
    assert staff.get(f"/api/v1/congresses/{congress.id}/badges.pdf").status_code == 403
    assert staff.post(f"/api/v1/delegates/{delegate.id}/badge/reissue").status_code == 403
    assert as_role("operator").get(
        f"/api/v1/delegates/{delegate.id}/badge.pdf").json["error"]["code"] == "forbidden"


def test_a_withdrawn_delegates_badge_is_a_conflict(as_role, congress, make_delegate):
    delegate = make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    response = as_role("organizer").get(f"/api/v1/delegates/{delegate.id}/badge.pdf")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "delegate_withdrawn"


def test_reissue_gives_a_new_address_and_revokes_the_old_badge(as_role, congress,
                                                               make_delegate, tmp_path):
    delegate = make_delegate(congress)
    caller = as_role("organizer")
    [old] = decode_qr(caller.get(f"/api/v1/delegates/{delegate.id}/badge.pdf").data, tmp_path)
    response = caller.post(f"/api/v1/delegates/{delegate.id}/badge/reissue")
    assert response.status_code == 200
    BadgeReissued.model_validate(response.json)
    new = response.json["portal_url"]
    assert new != old and new.startswith(HOST + "/b/")
    with pytest.raises(BadgeRevoked):
        find_badge(old.rsplit("/", 1)[1])
    assert find_badge(new.rsplit("/", 1)[1]).id == delegate.id
    [printed] = decode_qr(caller.get(f"/api/v1/delegates/{delegate.id}/badge.pdf").data,
                          tmp_path)
    assert printed == new


def test_a_refused_reissue_changes_nothing(as_role, congress, make_delegate):
    delegate = make_delegate(congress)
    serial = delegate.badge_serial
    assert as_role("checkin").post(
        f"/api/v1/delegates/{delegate.id}/badge/reissue").status_code == 403
    db.session.expire_all()
    assert delegate.badge_serial == serial


def test_unknown_ids_are_404(as_role):
    caller = as_role("organizer")
    assert caller.get("/api/v1/delegates/999999/badge.pdf").status_code == 404
    assert caller.get("/api/v1/congresses/999999/badges.pdf").status_code == 404
    assert caller.post("/api/v1/delegates/999999/badge/reissue").status_code == 404


def test_the_badge_routes_are_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    run = paths["/congresses/{congress_id}/badges.pdf"]["get"]
    assert "application/pdf" in run["responses"]["200"]["content"]
    started = run["responses"]["202"]
    assert started["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JobStarted"}
    assert "Location" in started["headers"]
    assert paths["/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/Job"}
    assert {p["name"] for p in run["parameters"]} >= {"layout", "category", "delegation",
                                                      "ids", "codes", "lang"}
    reissue = paths["/delegates/{delegate_id}/badge/reissue"]["post"]
    assert reissue["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BadgeReissued"}
