"""Failed attempts behind one address (a venue's NAT): one client's failures slow that client's
account, token prefix or address, never another client's correct password, valid API token or
valid badge and kiosk page."""

from __future__ import annotations

import pytest

from conference.actors import Actor
from conference.auth.service import create_api_token
from conference.displays import service as displays
from conference.extensions import db, limiter
from tests.conftest import PASSWORD, TEST_REDIS_URL
from tests.test_checkin import add_delegate

pytestmark = pytest.mark.english

V1 = "/api/v1"
HALL = {"REMOTE_ADDR": "203.0.113.10"}  # the venue's one public address


def sign_in(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base=HALL)


def refused(response) -> int:
    """The seconds a 429 asks to wait (and that it is one)."""
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60
    return seconds


def test_a_correct_password_signs_in_while_another_client_fails_many_times(app, create_user):
    app.config["CONFERENCE"]["LOGIN_RATE_LIMIT"] = "3 per minute"
    app.config["CONFERENCE"]["LOGIN_ADDRESS_LIMIT"] = "10 per minute"
    victim, colleague = create_user(username="thu.ky"), create_user(username="le.tan")
    guesser, staff = app.test_client(), app.test_client()
    assert [sign_in(guesser, "thu.ky", f"guess {n}").status_code for n in range(3)] == [401] * 3
    # The attacked account now waits, whoever asks, and its password is not even checked.
    page = sign_in(guesser, "thu.ky", PASSWORD)
    refused(page)
    assert "Too many failed sign-ins for this account" in page.get_data(as_text=True)
    assert 'name="password"' in page.get_data(as_text=True)
    # Everybody else at the same address signs in as usual.
    assert sign_in(staff, colleague.username, PASSWORD).status_code == 302
    # Spraying other names fills the address's count; past it, names that failed there wait...
    for n in range(7):
        assert sign_in(guesser, f"name{n}", "guess").status_code == 401
    refused(sign_in(guesser, "name0", "guess again"))
    refused(sign_in(guesser, "name7", "guess"))  # a failure past the address limit: 429
    refused(sign_in(guesser, "name7", PASSWORD))
    # ... and a colleague whose account nobody tried still signs in.
    assert sign_in(app.test_client(), colleague.username, PASSWORD).status_code == 302
    assert victim.username == "thu.ky"


def test_a_valid_api_token_works_while_another_client_sends_wrong_ones(client, create_user):
    _token, plain = create_api_token(None, create_user(), "gate 1")
    good = {"Authorization": f"Bearer {plain}"}
    for n in range(20):  # one broken script, one wrong token
        wrong = {"Authorization": f"Bearer {plain[:12]}wrong{n}"}
        assert client.get(f"{V1}/congresses", headers=wrong, environ_base=HALL).status_code == 401
    # Wrong tokens with the prefix under attack now wait...
    slow = client.get(f"{V1}/congresses", headers={"Authorization": f"Bearer {plain[:12]}x"},
                      environ_base=HALL)
    refused(slow)
    assert slow.json["error"]["code"] == "rate_limited"
    assert "wrong API token" in slow.json["error"]["message"]
    # ... while the valid token, and any other, still work from the same address.
    assert client.get(f"{V1}/congresses", headers=good, environ_base=HALL).status_code == 200
    other = create_api_token(None, create_user(), "gate 2")[1]
    assert client.get(f"{V1}/congresses", headers={"Authorization": f"Bearer {other}"},
                      environ_base=HALL).status_code == 200


def test_past_the_address_limit_wrong_tokens_wait_and_valid_ones_pass(client, create_user):
    plain = create_api_token(None, create_user(), "gate 1")[1]
    for n in range(200):  # a scanner with fresh guesses, and requests without any token
        headers = {"Authorization": f"Bearer cft_{n:08d}guess"} if n % 2 else {}
        assert client.get(f"{V1}/congresses", headers=headers,
                          environ_base=HALL).status_code == 401
    refused(client.get(f"{V1}/congresses", environ_base=HALL))
    refused(client.get(f"{V1}/congresses", headers={"Authorization": "Bearer cft_fresh123456"},
                       environ_base=HALL))
    for _ in range(3):
        assert client.get(f"{V1}/congresses", headers={"Authorization": f"Bearer {plain}"},
                          environ_base=HALL).status_code == 200


def test_valid_badge_and_kiosk_pages_open_while_another_client_misses(app, agenda,
                                                                      create_user):
    app.config["PORTAL_MISS_LIMIT"] = "3 per minute"
    congress = agenda[0]
    _delegate, badge = add_delegate(congress)
    screen = displays.create_screen(Actor(create_user(role="operator", congress=congress)),
                                    congress, {"name": "LED", "width": 1920, "height": 1080})
    kiosk = displays.kiosk_token(screen)
    scanner, phone = app.test_client(), app.test_client()
    for n in range(3):
        assert scanner.get(f"/b/{'Q' * 21}{n}", environ_base=HALL).status_code == 404
    held_off = scanner.get(f"/b/{'Q' * 22}", environ_base=HALL)
    refused(held_off)
    assert held_off.headers["Cache-Control"] == "no-store"
    assert "Too many unknown badge or screen addresses" in held_off.get_data(as_text=True)
    refused(scanner.get(f"/k/{'Q' * 40}", environ_base=HALL))
    refused(scanner.get(f"/b/{'Q' * 22}/documents/1", environ_base=HALL))
    # The delegate's phone and the hall's screen, behind the same address, are served.
    assert phone.get(f"/b/{badge}", environ_base=HALL).status_code == 200
    assert scanner.get(f"/b/{badge}", environ_base=HALL).status_code == 200
    assert phone.get(f"/k/{kiosk}", environ_base=HALL).status_code == 200
    db.session.remove()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="set CONFERENCE_TEST_REDIS_URL to a Redis database")
def test_failures_are_counted_in_redis_when_the_limiter_uses_it(make_app):
    """The counts live in the limiter's storage: with Redis, every server process shares them."""
    import redis

    app = make_app(RATELIMIT_STORAGE_URL=TEST_REDIS_URL, LOGIN_RATE_LIMIT="2 per minute")
    store = redis.Redis.from_url(TEST_REDIS_URL)
    with app.app_context():
        limiter.reset()
        client = app.test_client()
        for _ in range(2):
            assert sign_in(client, "ghost", "guess").status_code == 401
        assert store.keys("*sign-in*key:*") and store.keys("*sign-in*address:203.0.113.10*")
        refused(sign_in(client, "ghost", "guess"))
        limiter.reset()


def test_with_redis_down_sign_in_and_api_answer_and_failures_still_count(
        app, client, create_user, monkeypatch):
    """Redis stops during the congress: nobody gets an error page for it, and guessing a
    password stays slow (counted in the process meanwhile)."""
    from limits.storage import RedisStorage

    from bench.serving import free_port
    from conference import failures

    gone = RedisStorage(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    monkeypatch.setattr(limiter, "_storage", gone)
    monkeypatch.setattr(limiter, "_limiter", type(limiter._limiter)(gone))
    monkeypatch.setattr(failures, "_in_memory", {})
    monkeypatch.setitem(app.config["CONFERENCE"], "LOGIN_RATE_LIMIT", "2 per minute")
    organizer = create_user(username="hoa.nguyen")
    token = create_api_token(None, organizer, "gate")[1]
    assert sign_in(client, "hoa.nguyen", "wrong").status_code == 401
    assert sign_in(client, "hoa.nguyen", "wrong").status_code == 401
    refused(sign_in(client, "hoa.nguyen", PASSWORD))  # the account's own limit, in memory
    answer = client.get(f"{V1}/congresses", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert client.get(f"{V1}/congresses", headers={
        "Authorization": "Bearer wrong-token"}).status_code == 401
