"""Sign-in, sign-out, sessions, CSRF, the sign-in rate limit, accounts and tokens."""

import re

import pytest

from conference.audit.models import AuditEntry
from conference.auth.models import ApiToken, User
from conference.congresses.models import Congress
from conference.extensions import db
from tests.conftest import PASSWORD, PASSWORD_HASH


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_sign_in_and_out(client, create_user):
    user = create_user("lan")
    response = client.post("/login", data={"username": "lan", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 200
    client.post("/logout")
    response = client.get("/manage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    entries = db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.user_id == user.id)).all()
    assert "auth.sign_in" in entries


def test_wrong_password_is_refused_and_audited(client, create_user):
    create_user("lan")
    response = client.post("/login", data={"username": "lan", "password": "wrong password"})
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True) or \
        "Wrong username or password" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "auth.sign_in_failed", AuditEntry.target == "user:lan"))


def test_inactive_account_cannot_sign_in(client, create_user):
    user = create_user("lan")
    user.active = False
    db.session.commit()
    assert client.post("/login", data={"username": "lan", "password": PASSWORD}).status_code == 401


def test_sign_out_ends_the_session_on_the_server(app, client, create_user, login):
    """A copy of the session cookie is worthless after sign-out."""
    user = create_user()
    login(user)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/manage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_is_renewed_at_sign_in(client, create_user):
    create_user("lan")
    client.get("/login")
    client.set_cookie("session", "planted-by-an-attacker")
    client.post("/login", data={"username": "lan", "password": PASSWORD})
    assert client.get_cookie("session").value != "planted-by-an-attacker"
    assert client.get("/manage/").status_code == 200


def test_session_cookie_flags(app, client, create_user):
    create_user("lan")
    response = client.post("/login", data={"username": "lan", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = app.test_client().post("/login", base_url="https://localhost",
                        data={"username": "lan", "password": PASSWORD})
    assert "Secure" in https.headers["Set-Cookie"]


def test_passwords_are_stored_hashed(app, create_user):
    from conference.auth.service import create_user as make_account

    user = make_account(None, "hoa", "a long secret phrase")
    assert "a long secret phrase" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_next_parameter_never_leaves_the_site(client, create_user):
    create_user("lan")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}",
                               data={"username": "lan", "password": PASSWORD})
        assert response.headers["Location"] == "/manage/"
        client.post("/logout")


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_forms_without_csrf_token_are_refused(csrf_app):
    client = csrf_app.test_client()
    db.session.add(User(username="lan", password_hash=PASSWORD_HASH, is_admin=True))
    db.session.commit()
    refused = client.post("/login", data={"username": "lan", "password": PASSWORD})
    assert refused.status_code == 400
    assert "Traceback" not in refused.get_data(as_text=True)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "lan", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    # Signed in, a state-changing form still needs the token.
    response = client.post("/manage/new", data={"name": "Đại hội", "starts_on": "2023-09-27",
                                                "ends_on": "2023-09-28"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Congress.id))) == 0


def test_sign_in_is_rate_limited(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        statuses = [client.post("/login", data={"username": "x", "password": "y"}).status_code
                    for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    page = client.post("/login", data={"username": "x", "password": "y"})
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "Traceback" not in text
    assert 'name="password"' in text  # the form again, with the reason above it
    assert "Too many sign-in attempts" in text or "Đăng nhập sai quá nhiều lần" in text \
        or "flash-error" in text


def test_account_page_makes_and_revokes_tokens(client, create_user, login):
    user = create_user()
    login(user)
    page = client.post("/account", data={"action": "create_token", "name": "Stream Deck"})
    plain = re.search(r'<code id="new-token">([^<]+)</code>', page.get_data(as_text=True))[1]
    assert client.get("/api/v1/congresses",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert plain not in token.token_hash
    client.post("/account", data={"action": "revoke_token", "token_id": token.id})
    assert client.get("/api/v1/congresses",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_changing_the_password_ends_other_sessions(app, client, create_user, login):
    user = create_user()
    login(user)
    other = app.test_client()
    login(user, the_client=other)
    response = client.post("/account", data={"action": "password",
                                             "current_password": PASSWORD,
                                             "new_password": "another long one"})
    assert response.status_code == 302
    assert other.get("/manage/").status_code == 302


def test_password_change_with_wrong_current_password(client, create_user, login):
    login(create_user())
    response = client.post("/account", data={"action": "password", "current_password": "nope",
                                             "new_password": "another long one"})
    assert response.status_code == 422


def test_admin_creates_an_account_and_grants_a_role(client, create_user, create_congress, login):
    congress = create_congress()
    login(create_user(admin=True))
    page = client.post("/admin/users", data={"username": "thu.ha", "display_name": "Thu Hà"})
    assert page.status_code == 200
    generated = re.search(r'<code id="new-password">([^<]+)</code>', page.get_data(as_text=True))
    assert generated
    new_user = db.session.scalar(db.select(User).where(User.username == "thu.ha"))
    response = client.post(f"/admin/users/{new_user.id}", data={
        "action": "grant", "congress_id": congress.id, "role": "operator"})
    assert response.status_code == 302
    db.session.expire_all()
    assert new_user.role_in(congress.id) == "operator"


def test_admin_form_errors_keep_the_input(client, create_user, login):
    login(create_user(admin=True))
    page = client.post("/admin/users", data={"username": "bad name!", "display_name": "Thu Hà",
                                             "password": "short"})
    assert page.status_code == 422
    assert "Thu Hà" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.display_name == "Thu Hà")) is None


def test_duplicate_username_is_a_clear_error(client, create_user, login):
    login(create_user("admin1", admin=True))
    create_user("lan")
    page = client.post("/admin/users", data={"username": "lan"})
    assert page.status_code == 422
    assert "lan" in page.get_data(as_text=True)


@pytest.mark.english
def test_the_role_table_says_check_in_staff_get_the_portal_link(client, create_user, login):
    """Printing a badge at the desk hands over its QR code, the delegate's portal link."""
    admin = create_user(admin=True)
    login(admin)
    for path in ("/admin/users", f"/admin/users/{admin.id}", "/account"):
        page = client.get(path).get_data(as_text=True)
        table = page.split('id="roles-explained"')[1].split("</table>")[0]
        row = table.split("check-in staff")[1].split("</tr>")[0]
        assert "prints one delegate's badge at the desk" in row.replace("&#39;", "'"), path
        assert "portal link" in row, path
