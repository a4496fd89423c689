"""Elections by paper ballot: the counting rules, double entry and the head's decisions, the
result and its publication, the papers, the API and who may do what."""

from __future__ import annotations

import io
import itertools
import threading
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from conference.actors import SYSTEM
from conference.auth.models import User
from conference.auth.service import Actor
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.displays.scenes import resolve_scene
from conference.elections import pdf, service
from conference.elections.models import Ballot, BallotEntry, Election
from conference.errors import Conflict, Forbidden, NotFound, ValidationFailed
from conference.extensions import db

NAMES = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Bình", "Phạm Thị Hương", "Đặng Quốc Việt"]
TITLE = "Bầu Ban Chấp hành Liên đoàn Lao động tỉnh khóa XIX"


@pytest.fixture
def clerks(congress, create_user):
    """Two counting clerks, the committee's head and an organizer of `congress`, as actors."""
    return {name: Actor(create_user(name, role=role, congress=congress)) for name, role in (
        ("clerk1", "counting"), ("clerk2", "counting"), ("head", "counting_head"),
        ("boss", "organizer"))}


def make_election(congress, *, seats=3, names=NAMES, ballots=10, **fields) -> Election:
    election = service.create_election(SYSTEM, congress, {
        "title": TITLE, "seats": seats, "candidates": list(names)} | fields)
    if ballots:
        service.issue_ballots(SYSTEM, election, {"count": ballots})
    return election


def serials(election) -> list[str]:
    return list(db.session.scalars(select(Ballot.serial).where(
        Ballot.election_id == election.id).order_by(Ballot.id)))


def ids(election, *names) -> list[int]:
    by_name = {c.name: c.id for c in election.candidates}
    return [by_name[name] for name in names]


def enter_twice(election, clerks, serial, crossed, other=None):
    """Both clerks enter the ballot (the second one differently when `other` is given)."""
    service.record_entry(clerks["clerk1"], election, {"serial": serial, "crossed": crossed})
    return service.record_entry(clerks["clerk2"], election, {
        "serial": serial, "crossed": crossed if other is None else other})


# --- the rules -----------------------------------------------------------------------------


def test_candidates_are_listed_by_given_name_as_delegate_lists_are(congress):
    election = make_election(congress, ballots=0)
    assert [c.name for c in election.candidates] == [
        "Nguyễn Thị An", "Lê Văn Bình", "Trần Văn Bình", "Phạm Thị Hương", "Đặng Quốc Việt"]
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(full_name="Đặng Quốc Việt")))
    db.session.add(delegate)
    db.session.commit()
    assert election.candidates[-1].sort_key == delegate.name_key


def test_validity_rules(congress):
    election = make_election(congress, seats=3, ballots=0)  # five candidates
    reason = service.invalid_reason
    assert reason(election, True, [1, 2], False) is None  # 3 kept for 3 seats
    assert reason(election, True, [1], False) == "too_many_kept"  # 4 kept
    assert reason(election, True, [1, 2, 3, 4, 5], False) is None  # every name crossed: valid
    assert reason(election, False, [1, 2], False) == "not_issued"
    assert reason(election, True, [1, 2], True) == "spoiled"


def rows(*votes):
    return [{"id": n, "votes": v} for n, v in enumerate(votes)]


def test_elected_by_votes_up_to_the_seats_with_more_than_half():
    ranked = rows(90, 80, 51, 50, 40)
    assert service.elect(ranked, 3, needed=51) is False
    assert [row["elected"] for row in ranked] == [True, True, True, False, False]
    ranked = rows(90, 80, 70, 60)  # four pass, three seats: the three with most votes
    assert service.elect(ranked, 3, needed=51) is False
    assert [row["elected"] for row in ranked] == [True, True, True, False]
    ranked = rows(90, 50, 50)  # 50 of 100 valid is not more than half
    assert service.elect(ranked, 3, needed=51) is False
    assert [row["elected"] for row in ranked] == [True, False, False]


def test_a_tie_at_the_last_seat_elects_none_of_the_tied():
    ranked = rows(90, 70, 70, 60)
    assert service.elect(ranked, 2, needed=51) is True
    assert [(row["elected"], row["tie"]) for row in ranked] == [
        (True, False), (False, True), (False, True), (False, False)]
    ranked = rows(90, 70, 70)  # the tie is within the seats: both elected
    assert service.elect(ranked, 3, needed=51) is False
    assert all(row["elected"] for row in ranked)


def test_tally_counts_votes_percentages_and_the_majority_base(congress, clerks):
    election = make_election(congress, seats=2, names=NAMES[:3], ballots=6)
    an, binh_le, binh_tran = ids(election, "Nguyễn Thị An", "Lê Văn Bình", "Trần Văn Bình")
    papers = serials(election)
    enter_twice(election, clerks, papers[0], [binh_tran])  # An, Bình (Lê)
    enter_twice(election, clerks, papers[1], [binh_le])  # An, Bình (Trần)
    enter_twice(election, clerks, papers[2], [an, binh_le, binh_tran])  # none: valid
    enter_twice(election, clerks, papers[3], [])  # three kept for two seats: invalid
    enter_twice(election, clerks, "ZZZZ2222", [binh_tran])  # not issued: invalid
    result = service.tally(election)
    assert (result["issued"], result["returned"], result["valid"], result["invalid"]) == (
        6, 5, 3, 2)
    assert result["invalid_reasons"] == {"not_issued": 1, "spoiled": 0, "too_many_kept": 1}
    votes = {row["name"]: (row["votes"], row["percent"], row["elected"])
             for row in result["candidates"]}
    assert votes == {"Nguyễn Thị An": (2, 66.67, True), "Lê Văn Bình": (1, 33.33, False),
                     "Trần Văn Bình": (1, 33.33, False)}
    assert result["needed"] == 2  # more than half of 3 valid ballots
    election.majority_base = "issued"  # more than half of 6 issued: 4 votes
    db.session.commit()
    result = service.tally(election)
    assert result["needed"] == 4 and not any(row["elected"] for row in result["candidates"])


# --- double entry --------------------------------------------------------------------------


def test_a_ballot_counts_only_once_two_clerks_entered_it_alike(congress, clerks):
    election = make_election(congress)
    serial = serials(election)[0]
    first = service.record_entry(clerks["clerk1"], election, {
        "serial": serial.lower()[:4] + "-" + serial[4:], "crossed": ids(election, "Lê Văn Bình")})
    assert (first.state, first.valid, first.entry.serial) == ("waiting", False, serial)
    assert first.reason == "too_many_kept"  # said at once: 4 kept for 3 seats
    assert service.tally(election)["returned"] == 0
    second = service.record_entry(clerks["clerk2"], election, {
        "serial": serial, "crossed": ids(election, "Lê Văn Bình")})
    assert second.state == "counted"
    assert service.tally(election)["returned"] == 1


def test_a_clerk_entering_a_ballot_again_is_refused(congress, clerks):
    election = make_election(congress)
    serial = serials(election)[0]
    service.record_entry(clerks["clerk1"], election, {"serial": serial, "crossed": []})
    with pytest.raises(Conflict) as refused:
        service.record_entry(clerks["clerk1"], election, {"serial": serial, "crossed": [1]})
    assert refused.value.code == "already_entered"
    service.record_entry(clerks["clerk2"], election, {"serial": serial, "crossed": []})
    with pytest.raises(Conflict) as third:
        service.record_entry(clerks["head"], election, {"serial": serial, "crossed": []})
    assert third.value.code == "entered_twice"
    assert db.session.scalar(select(db.func.count(BallotEntry.id))) == 2


def test_differing_entries_wait_for_the_head_who_settles_them(congress, clerks):
    election = make_election(congress)
    serial = serials(election)[0]
    binh, huong = ids(election, "Lê Văn Bình", "Phạm Thị Hương")
    outcome = enter_twice(election, clerks, serial, [binh, huong], other=[binh])
    assert outcome.state == "mismatch"
    result = service.tally(election)
    assert (result["mismatched"], result["returned"]) == (1, 0)
    entries = service.ballot_states(election)[serial].entries
    with pytest.raises(Forbidden):
        service.settle(clerks["clerk1"], election, serial, entries[0].id)
    with pytest.raises(ValidationFailed):
        service.settle(clerks["head"], election, serial, 999)
    service.settle(clerks["head"], election, serial, entries[0].id)
    result = service.tally(election)
    assert (result["mismatched"], result["returned"], result["valid"]) == (0, 1, 1)
    assert {row["name"]: row["votes"] for row in result["candidates"]}["Lê Văn Bình"] == 0


def test_a_clerk_takes_back_only_a_lone_entry_of_their_own(congress, clerks):
    election = make_election(congress)
    first, second = serials(election)[:2]
    lone = service.record_entry(clerks["clerk1"], election, {"serial": "ABCD2345"}).entry
    assert lone.serial == "ABCD2345"
    with pytest.raises(Conflict):
        service.withdraw_entry(clerks["clerk2"], lone)
    service.withdraw_entry(clerks["clerk1"], lone)
    paired = enter_twice(election, clerks, first, []).entry
    with pytest.raises(Conflict):
        service.withdraw_entry(clerks["clerk2"], paired)
    service.withdraw_entry(clerks["head"], paired)  # the head may: the ballot waits again
    assert service.tally(election)["waiting"] == 1
    assert second  # untouched


# --- publishing ----------------------------------------------------------------------------


def test_publish_waits_for_every_entry_and_screens_never_show_before(congress, clerks):
    election = make_election(congress)
    first, second = serials(election)[:2]
    scene = {"type": "election"}
    with pytest.raises(Conflict) as nothing:
        service.publish(clerks["head"], election)
    assert nothing.value.code == "nothing_counted"
    enter_twice(election, clerks, first, ids(election, "Lê Văn Bình", "Trần Văn Bình"))
    service.record_entry(clerks["clerk1"], election, {"serial": second})
    with pytest.raises(Conflict) as pending:
        service.publish(clerks["head"], election)
    assert pending.value.code == "entries_pending"
    assert resolve_scene(congress, scene, None)["election"] is None
    assert resolve_scene(congress, scene | {"election_id": election.id}, None)["election"] is None
    with pytest.raises(Forbidden):
        service.publish(clerks["clerk2"], election)
    service.record_entry(clerks["clerk2"], election, {"serial": second})
    published = service.publish(clerks["head"], election)
    assert published["published"] and published["returned"] == 2
    shown = resolve_scene(congress, scene, None)["election"]
    assert shown["title"] == TITLE
    assert [row["name"] for row in shown["candidates"] if row["elected"]] == [
        "Nguyễn Thị An", "Phạm Thị Hương", "Đặng Quốc Việt"]
    with pytest.raises(Conflict):
        service.record_entry(clerks["clerk1"], election, {"serial": serials(election)[2]})


def test_the_scene_follows_the_latest_published_election(congress, clerks):
    older = make_election(congress, title="Bầu Ủy ban Kiểm tra", ballots=2)
    newer = make_election(congress, title="Bầu đại biểu đi dự Đại hội cấp trên", ballots=2)
    for election in (older, newer):
        enter_twice(election, clerks, serials(election)[0], [])
    service.publish(clerks["head"], newer)
    assert resolve_scene(congress, {"type": "election"}, None)["election"]["title"] == (
        "Bầu đại biểu đi dự Đại hội cấp trên")
    assert resolve_scene(congress, {"type": "election", "election_id": older.id},
                         None)["election"] is None


# --- ballots and serials -------------------------------------------------------------------


def test_serials_are_random_short_and_never_linked_to_a_delegate(congress):
    election = make_election(congress, ballots=300)
    service.issue_ballots(SYSTEM, election, {"count": 200})
    issued = serials(election)
    assert len(issued) == len(set(issued)) == 500
    assert all(len(serial) == 8 and set(serial) <= set(service.SERIAL_ALPHABET)
               for serial in issued)
    assert not set("01IOL") & set(service.SERIAL_ALPHABET)
    # Not a counter: neighbours share no more than chance allows.
    assert sum(a[:4] == b[:4] for a, b in itertools.pairwise(issued)) < 3
    columns = {column["name"] for column in sa_inspect(db.engine).get_columns("ballots")}
    assert columns == {"id", "election_id", "batch_id", "serial"}
    assert service.issued_count(election) == 500


def test_too_many_ballots_at_once_are_refused(congress):
    election = make_election(congress, ballots=0)
    with pytest.raises(ValidationFailed) as refused:
        service.issue_ballots(SYSTEM, election, {"count": service.MAX_BATCH + 1})
    assert "count" in refused.value.fields


def test_ballot_pdf_shows_the_names_in_order_and_the_serials(app, congress):
    election = make_election(congress, ballots=3)
    batch = service.list_batches(election)[0]
    with app.test_request_context():
        data = pdf.render_ballots(election, batch, "en")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 3
    text = " ".join(reader.pages[0].extract_text().split())
    assert "BALLOT" in text and TITLE in text
    names = [c.name for c in election.candidates]
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    assert pdf.serial_shown(serials(election)[0]) in text
    assert "Cross out the names of those you do not elect" in text


def test_counting_record_pdf_has_the_figures_and_the_elected(app, congress, clerks):
    election = make_election(congress, ballots=4)
    for serial in serials(election)[:3]:
        enter_twice(election, clerks, serial, ids(election, "Lê Văn Bình", "Trần Văn Bình"))
    service.publish(clerks["head"], election)
    # Printed again days later, the record still bears the day the result was published.
    election.published_at = datetime(2023, 9, 28, 10, 30, tzinfo=UTC)
    db.session.commit()
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(pdf.render_record(election, "vi")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "ngày 28 tháng 09 năm 2023" in text, text[:300]
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(pdf.render_record(election, "en")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "COUNTING RECORD" in text and TITLE in text
    assert "Ballots issued" in text and "Head of the Counting Committee" in text
    assert "Nguyễn Thị An" in text and "Đặng Quốc Việt" in text and "100.00 %" in text
    assert "Draft" not in text


# --- the API -------------------------------------------------------------------------------


@pytest.fixture
def api_world(congress, create_user, create_congress, api):
    users = {name: create_user(name, role=role, congress=congress) for name, role in (
        ("boss", "organizer"), ("clerk1", "counting"), ("clerk2", "counting"),
        ("head", "counting_head"), ("door", "checkin"), ("driver", "operator"))}
    return {name: api(user) for name, user in users.items()}


def test_api_runs_an_election_from_setup_to_publication(congress, api_world):
    boss, clerk1, clerk2, head = (api_world[n] for n in ("boss", "clerk1", "clerk2", "head"))
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(full_name="Võ Thị Lan")))
    db.session.add(delegate)
    db.session.commit()
    made = boss.post(f"/api/v1/congresses/{congress.id}/elections", json={
        "title": TITLE, "seats": 2, "candidates": ["Nguyễn Văn Nam", delegate.id, "Hồ Minh Khoa"]})
    assert made.status_code == 201, made.json
    election = made.json
    assert [c["name"] for c in election["candidates"]] == [
        "Hồ Minh Khoa", "Võ Thị Lan", "Nguyễn Văn Nam"]
    assert election["candidates"][1]["delegate_id"] == delegate.id
    url = f"/api/v1/elections/{election['id']}"
    issued = boss.post(f"{url}/ballots", json={"count": 3})
    assert issued.status_code == 201, issued.json
    assert issued.json["issued"] == 3 and len(issued.json["serials"]) == 3
    assert issued.json["pdf_url"].endswith("/result")
    serial = issued.json["serials"][0]
    khoa = election["candidates"][0]["id"]
    entry = clerk1.post(f"{url}/entries", json={"serial": serial, "crossed": [khoa],
                                                "clerk": "Bàn 1"})
    assert entry.status_code == 201, entry.json
    assert (entry.json["state"], entry.json["valid"], entry.json["clerk"]) == (
        "waiting", True, "Bàn 1")
    again = clerk1.post(f"{url}/entries", json={"serial": serial, "crossed": []})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_entered"
    differing = clerk2.post(f"{url}/entries", json={"serial": serial, "crossed": []})
    assert differing.json["state"] == "mismatch" and differing.json["reason"] == "too_many_kept"
    refused = head.post(f"{url}/publish")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "entries_pending"
    assert clerk1.post(f"{url}/publish").status_code == 403
    result = clerk2.get(url).json
    assert (result["returned"], result["mismatched"], result["tie"]) == (0, 1, False)


def test_api_refuses_bad_input_with_clear_messages(congress, api_world, create_congress):
    boss, clerk1 = api_world["boss"], api_world["clerk1"]
    base = f"/api/v1/congresses/{congress.id}/elections"
    too_many = boss.post(base, json={"title": TITLE, "seats": 3, "candidates": ["A B", "C D"]})
    assert too_many.status_code == 422 and "seats" in too_many.json["error"]["fields"]
    assert boss.post(base, json={"title": TITLE, "seats": 0, "candidates": ["A"]}
                     ).status_code == 422
    stranger = create_congress()
    other = Delegate(**new_delegate_values(stranger, DelegateInput(full_name="Lý Văn Tư")))
    db.session.add(other)
    db.session.commit()
    foreign = boss.post(base, json={"title": TITLE, "seats": 1, "candidates": [other.id]})
    assert foreign.status_code == 422 and "candidates" in foreign.json["error"]["fields"]
    first = boss.post(base, json={"title": TITLE, "seats": 1, "candidates": ["A B", "C D"]}).json
    second = boss.post(base, json={"title": "Bầu Ủy ban Kiểm tra", "seats": 1,
                                   "candidates": ["E F", "G H"]}).json
    url = f"/api/v1/elections/{first['id']}"
    assert boss.post(f"{url}/ballots", json={"count": service.MAX_BATCH + 1}).status_code == 422
    assert boss.post(f"{url}/ballots", json={"count": "5"}).status_code == 422
    serial = boss.post(f"{url}/ballots", json={"count": 1}).json["serials"][0]
    strange = clerk1.post(f"{url}/entries", json={
        "serial": serial, "crossed": [second["candidates"][0]["id"]]})
    assert strange.status_code == 422 and "crossed" in strange.json["error"]["fields"]
    assert clerk1.post(f"{url}/entries", json={"serial": serial, "crossed": ["x"]}
                       ).status_code == 422
    assert clerk1.post(f"{url}/entries", json={"serial": "ab\u0000cd"}).status_code == 400
    assert clerk1.post(f"{url}/entries", json={"serial": "??"}).status_code == 422
    assert clerk1.post("/api/v1/elections/99999999999/entries", json={"serial": serial}
                       ).status_code == 404
    unknown = clerk1.post(f"{url}/entries", json={"serial": "QQQQ3333"})
    assert unknown.status_code == 201 and unknown.json["reason"] == "not_issued"
    assert db.session.get(Election, first["id"]).revision > 1


def test_api_roles(congress, api_world):
    boss = api_world["boss"]
    election = boss.post(f"/api/v1/congresses/{congress.id}/elections", json={
        "title": TITLE, "seats": 1, "candidates": ["A B", "C D"]}).json
    url = f"/api/v1/elections/{election['id']}"
    for name in ("door", "driver"):
        assert api_world[name].get(url).status_code == 403
        assert api_world[name].post(f"{url}/entries", json={"serial": "ABCD2345"}
                                    ).status_code == 403
    assert api_world["clerk1"].post(f"{url}/ballots", json={"count": 1}).status_code == 403
    assert api_world["clerk1"].post(f"/api/v1/congresses/{congress.id}/elections", json={
        "title": TITLE, "seats": 1, "candidates": ["A B"]}).status_code == 403


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.english  # reads the messages' English words
def test_a_counting_clerk_reaches_the_counting_page_and_enters_a_ballot(
        client, congress, create_user, login):
    election = make_election(congress)
    clerk = create_user("kiemphieu", role="counting", congress=congress)
    login(clerk)
    assert f"/manage/{congress.id}/elections" in client.get("/manage/").text  # the start page
    overview = client.get(f"/manage/{congress.id}/").text
    assert f"/manage/{congress.id}/elections" in overview
    listing = client.get(f"/manage/{congress.id}/elections").text
    assert f"/manage/elections/{election.id}/count" in listing
    page = client.get(f"/manage/elections/{election.id}/count")
    assert page.status_code == 200 and "Nguyễn Thị An" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    saved = client.post(f"/manage/elections/{election.id}/entries", headers={
        "X-CSRFToken": token}, json={"serial": serials(election)[0], "crossed": []})
    assert saved.status_code == 201 and saved.json["reason"] == "too_many_kept"
    assert "invalid" in saved.json["message"].lower()
    again = client.post(f"/manage/elections/{election.id}/entries", headers={
        "X-CSRFToken": token}, json={"serial": serials(election)[0], "crossed": []})
    assert again.status_code == 409
    tally = client.get(f"/manage/elections/{election.id}/tally")
    assert tally.json["waiting"] == 1
    assert client.get(f"/manage/elections/{election.id}/tally", headers={
        "If-None-Match": tally.headers["ETag"]}).status_code == 304
    assert client.post(f"/manage/elections/{election.id}/publish").status_code == 403
    assert client.get(f"/manage/elections/{election.id}/mismatches").status_code == 403
    assert client.get(f"/manage/{congress.id}/elections/new").status_code == 403


@pytest.mark.parametrize("role", ["checkin", "operator"])
def test_check_in_staff_and_operators_see_no_election(client, congress, create_user, login,
                                                      role):
    election = make_election(congress, ballots=0)
    login(create_user(role=role, congress=congress))
    assert client.get(f"/manage/{congress.id}/elections").status_code == 403
    assert client.get(f"/manage/elections/{election.id}/count").status_code == 403
    assert f"/manage/{congress.id}/elections" not in client.get(f"/manage/{congress.id}/").text


def test_anonymous_visitors_are_sent_to_sign_in(client, congress):
    election = make_election(congress, ballots=0)
    response = client.get(f"/manage/elections/{election.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.english  # reads the messages' English words
def test_the_organizer_sets_up_an_election_on_its_form(client, congress, organizer):
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(
        code="DB0012", full_name="Hoàng Văn Sơn")))
    db.session.add(delegate)
    db.session.commit()
    refused = client.post(f"/manage/{congress.id}/elections/new", data={
        "title": TITLE, "seats": "3", "candidates": "Nguyễn Thị An\nDB0012",
        "majority_base": "valid"})
    assert refused.status_code == 422 and "only 2 candidates" in refused.text
    saved = client.post(f"/manage/{congress.id}/elections/new", data={
        "title": TITLE, "seats": "1", "candidates": "Nguyễn Thị An\ndb0012 ghi chú",
        "majority_base": "valid"})
    assert saved.status_code == 302
    election = db.session.scalar(select(Election))
    assert [(c.name, c.delegate_id) for c in election.candidates] == [
        ("Nguyễn Thị An", None), ("Hoàng Văn Sơn", delegate.id)]
    detail = client.get(saved.headers["Location"]).text
    assert TITLE in detail and "Hoàng Văn Sơn" in detail
    edit = client.get(f"/manage/elections/{election.id}/edit").text
    assert "DB0012 Hoàng Văn Sơn" in edit
    client.post(f"/manage/elections/{election.id}/ballots", data={"count": "2"})
    assert service.issued_count(election) == 2
    frozen = client.post(f"/manage/elections/{election.id}/edit", data={
        "title": TITLE, "seats": "2", "candidates": "Nguyễn Thị An\nDB0012",
        "majority_base": "valid"})
    assert frozen.status_code == 422 and "printed" in frozen.text


def test_the_head_settles_a_ballot_on_the_page(client, congress, create_user, login, clerks):
    election = make_election(congress)
    serial = serials(election)[0]
    enter_twice(election, clerks, serial, ids(election, "Lê Văn Bình", "Trần Văn Bình"),
                other=ids(election, "Lê Văn Bình"))
    login(create_user("truongban", role="counting_head", congress=congress))
    page = client.get(f"/manage/elections/{election.id}/mismatches")
    assert page.status_code == 200 and pdf.serial_shown(serial) in page.text
    chosen = service.ballot_states(election)[serial].entries[0]
    client.post(f"/manage/elections/{election.id}/settle", data={
        "serial": serial, "entry_id": str(chosen.id)})
    assert service.tally(election)["returned"] == 1
    assert client.post(f"/manage/elections/{election.id}/publish").status_code == 302
    db.session.expire_all()
    assert election.published
    with pytest.raises(NotFound):
        service.get_election(clerks["boss"], 99999)


def test_an_operator_makes_an_election_scene_with_its_heading(client, congress, create_user,
                                                              login):
    from conference.displays.models import Scene

    login(create_user(role="operator", congress=congress))
    form = client.get(f"/manage/{congress.id}/scenes/new/election")
    assert form.status_code == 200 and 'name="heading"' in form.text
    saved = client.post(f"/manage/{congress.id}/scenes/new/election", data={
        "name": "Kết quả bầu cử", "heading": "Kết quả bầu Ban Chấp hành", "action": "save"})
    assert saved.status_code == 302
    scene = db.session.scalar(select(Scene))
    assert (scene.type, scene.fields["heading"]) == ("election", "Kết quả bầu Ban Chấp hành")
    assert resolve_scene(congress, {"type": "election"} | scene.fields, None)["election"] is None


@pytest.mark.english
def test_an_operator_picks_which_election_a_scene_shows(client, congress, clerks, create_user,
                                                        create_congress, login):
    """The editor lists the congress's elections (the latest published by default); the one
    picked stays on the scene after another is published."""
    from conference.displays.models import Scene

    older = make_election(congress, title="Bầu Ủy ban Kiểm tra", ballots=2)
    newer = make_election(congress, title="Bầu đại biểu đi dự Đại hội cấp trên", ballots=2)
    enter_twice(older, clerks, serials(older)[0], [])
    service.publish(clerks["head"], older)
    login(create_user(role="operator", congress=congress))
    form = client.get(f"/manage/{congress.id}/scenes/new/election").text
    assert '<option value="" selected>The latest published</option>' in form
    assert f'<option value="{older.id}">Bầu Ủy ban Kiểm tra</option>' in form
    assert (f'<option value="{newer.id}">Bầu đại biểu đi dự Đại hội cấp trên (not published '
            'yet)</option>') in form
    saved = client.post(f"/manage/{congress.id}/scenes/new/election", data={
        "name": "Ủy ban Kiểm tra", "election_id": str(older.id), "action": "save"})
    assert saved.status_code == 302
    scene = db.session.scalar(select(Scene))
    assert scene.fields["election_id"] == older.id
    edit = client.get(f"/manage/scenes/{scene.id}/edit").text
    assert f'<option value="{older.id}" selected>' in edit
    enter_twice(newer, clerks, serials(newer)[0], [])
    service.publish(clerks["head"], newer)
    shown = resolve_scene(congress, {"type": "election"} | scene.fields, None)["election"]
    assert shown["title"] == "Bầu Ủy ban Kiểm tra"
    other = make_election(create_congress(), title="Bầu khác", ballots=0)
    refused = client.post(f"/manage/{congress.id}/scenes/new/election", data={
        "name": "Sai", "election_id": str(other.id), "action": "save"})
    assert refused.status_code == 422
    assert "No such election in this congress." in refused.text


def test_two_clerks_entering_one_ballot_at_once_see_each_other(app, congress, clerks):
    """Released together, the second clerk's entry still sees the first's: one answer is
    waiting, the other says whether the two agree (here they differ: a mismatch)."""
    election = make_election(congress, ballots=6)
    election_id, first_name = election.id, ids(election, "Lê Văn Bình")
    user_ids = [clerks[name].user.id for name in ("clerk1", "clerk2")]
    for serial in serials(election):
        start, answers, errors = threading.Barrier(2, timeout=20), [], []

        def enter(user_id, crossed, serial=serial, start=start, answers=answers,
                  errors=errors):
            with app.app_context():
                try:
                    actor = Actor(db.session.get(User, user_id), source="test")
                    chosen = db.session.get(Election, election_id)
                    start.wait()
                    answers.append(service.record_entry(actor, chosen, {
                        "serial": serial, "crossed": crossed}).state)
                except Exception as error:  # reported below
                    errors.append(error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=enter, args=(user_id, crossed)) for user_id, crossed
                   in zip(user_ids, ([], first_name), strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        assert sorted(answers) == ["mismatch", "waiting"]
    assert service.tally(election)["mismatched"] == 6
