"""Badge and kiosk tokens come from their own key: rotating the session key signs everyone out
and changes no badge."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conference import create_app, tokens
from conference.auth.models import Membership, User
from conference.auth.service import Actor
from conference.badges.identity import portal_url
from conference.badges.service import single_badge_pdf
from conference.congresses.models import Congress
from conference.delegates.service import create_delegate
from conference.extensions import db
from tests.conftest import PASSWORD, PASSWORD_HASH, IsolatedClient, base_config
from tests.test_badges import decode_qr

HOST = "http://localhost"


def _world() -> tuple[int, int]:
    """A congress, its organizer and one delegate; returns (organizer id, delegate id)."""
    congress = Congress(slug="dai-hoi", name="Đại hội", starts_on=date(2023, 9, 27),
                        ends_on=date(2023, 9, 28), published=True)
    user = User(username="lan", password_hash=PASSWORD_HASH)
    db.session.add_all([congress, user])
    db.session.flush()
    db.session.add(Membership(user=user, congress_id=congress.id, role="organizer"))
    db.session.commit()
    delegate = create_delegate(Actor(user), congress, {"full_name": "Nguyễn Thị Lan"})
    return user.id, delegate.id


def _shown_and_printed(app, client, organizer_id: int, delegate_id: int, tmp_path: Path):
    """The portal link the delegate's page shows organizers, and the one the reprint carries."""
    from conference.delegates.models import Delegate

    delegate = db.session.get(Delegate, delegate_id)
    url = portal_url(delegate, HOST)
    page = client.get(f"/manage/delegates/{delegate_id}")
    assert page.status_code == 200 and url in page.get_data(as_text=True)
    organizer = db.session.get(User, organizer_id)
    [printed] = decode_qr(single_badge_pdf(Actor(organizer), delegate, HOST), tmp_path)
    return url, printed


def test_rotating_the_session_key_signs_everyone_out_and_changes_no_badge(make_app, tmp_path):
    first = make_app(SECRET_KEY="the first session key")
    instance = Path(first.instance_path)
    with first.app_context():
        organizer_id, delegate_id = _world()
        client = first.test_client()
        assert client.post("/login", data={"username": "lan", "password": PASSWORD}
                           ).status_code == 302
        before, printed_before = _shown_and_printed(first, client, organizer_id, delegate_id,
                                                    tmp_path)
        assert printed_before == before
        cookie = client.get_cookie("session").value
        db.session.remove()

    rotated = create_app(base_config(instance, SECRET_KEY="a new session key"))
    rotated.test_client_class = IsolatedClient
    try:
        with rotated.app_context():
            stale = rotated.test_client()
            stale.set_cookie("session", cookie)
            signed_out = stale.get(f"/manage/delegates/{delegate_id}")
            assert signed_out.status_code == 302 and "/login" in signed_out.location

            client = rotated.test_client()
            client.post("/login", data={"username": "lan", "password": PASSWORD})
            after, printed_after = _shown_and_printed(rotated, client, organizer_id,
                                                      delegate_id, tmp_path)
            assert after == printed_after == before
            portal = client.get(before.removeprefix(HOST))
            assert portal.status_code == 200 and "Nguyễn Thị Lan" in portal.get_data(as_text=True)
    finally:
        with rotated.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_token_key_is_its_own_secret_kept_in_the_instance(make_app):
    app = make_app(SECRET_KEY="a session key")
    with app.app_context():
        key = tokens.token_key()
    stored = (Path(app.instance_path) / "token_key").read_text().strip()
    assert key == stored and key != app.secret_key and len(key) >= 40
    assert (Path(app.instance_path) / "token_key").stat().st_mode & 0o777 == 0o600


def test_the_token_key_setting_wins_over_the_instance_file(make_app):
    app = make_app(TOKEN_KEY="a token key from the environment")
    with app.app_context():
        assert tokens.token_key() == "a token key from the environment"
    assert not (Path(app.instance_path) / "token_key").exists()
