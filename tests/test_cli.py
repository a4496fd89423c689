"""The flask commands: create-user, create-token and demo, happy and unhappy paths."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from conference.agenda.models import AgendaItem, CongressSession
from conference.auth.models import Membership, Role, User
from conference.congresses.models import Congress
from conference.demo import SLUG
from conference.extensions import db
from conference.streams.models import Stream

PASSWORD_LINE = re.compile(r"^Password \(shown once\): (\S+)$", re.MULTILINE)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def _failed_cleanly(result, *fragments: str) -> None:
    """A refusal is exit code 1 with a one-line message, never a traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    for fragment in fragments:
        assert fragment in result.output


# --- create-user -----------------------------------------------------------------------------


def test_create_user_prints_generated_password_once(runner):
    result = runner.invoke(args=["create-user", "chairwoman", "--role", "admin",
                                 "--name", "Nguyễn Thị Hoa"])
    assert result.exit_code == 0, result.output
    passwords = PASSWORD_LINE.findall(result.output)
    assert len(passwords) == 1
    user = _user("chairwoman")
    assert user.is_admin and user.display_name == "Nguyễn Thị Hoa"
    assert check_password_hash(user.password_hash, passwords[0])
    assert result.output.count(passwords[0]) == 1


def test_create_user_reads_password_from_stdin_and_prints_none(runner):
    result = runner.invoke(args=["create-user", "secretary", "--role", "organizer",
                                 "--password-stdin"], input="đủ dài và bí mật\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert "bí mật" not in result.output
    user = _user("secretary")
    assert check_password_hash(user.password_hash, "đủ dài và bí mật")
    assert user.can_create_congresses and not user.is_admin


def test_create_user_refuses_short_password_from_stdin(runner):
    result = runner.invoke(args=["create-user", "shorty", "--role", "admin", "--password-stdin"],
                           input="short\n")
    _failed_cleanly(result, "10")
    assert _user("shorty") is None


def test_create_user_gives_role_in_congress(runner, create_congress):
    congress = create_congress(slug="dai-hoi-huyen")
    result = runner.invoke(args=["create-user", "op", "--role", "operator",
                                 "--congress", "dai-hoi-huyen"])
    assert result.exit_code == 0, result.output
    assert "operator in dai-hoi-huyen" in result.output
    user = _user("op")
    assert user.role_in(congress.id) == Role.OPERATOR
    assert not user.can_create_congresses


@pytest.mark.parametrize("role", ["operator", "checkin"])
def test_congress_role_without_congress_fails_clearly(runner, role):
    result = runner.invoke(args=["create-user", "someone", "--role", role])
    _failed_cleanly(result, f"--role {role} needs --congress")
    assert _user("someone") is None


def test_unknown_congress_fails_clearly(runner):
    result = runner.invoke(args=["create-user", "someone", "--role", "operator",
                                 "--congress", "no-such-congress"])
    _failed_cleanly(result, "No congress with slug 'no-such-congress'")
    assert _user("someone") is None
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_unknown_role_is_refused_by_click(runner):
    result = runner.invoke(args=["create-user", "someone", "--role", "king"])
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_duplicate_username_fails_with_message(runner, create_user):
    create_user("taken")
    result = runner.invoke(args=["create-user", "taken", "--role", "admin"])
    _failed_cleanly(result, "taken")
    assert "Password" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_invalid_username_fails_with_message(runner):
    result = runner.invoke(args=["create-user", "có dấu", "--role", "admin"])
    _failed_cleanly(result, "username")


# --- create-token ----------------------------------------------------------------------------


def test_create_token_prints_a_working_token(runner, client, create_user, create_congress):
    user = create_user("api-user", admin=True)
    create_congress(slug="visible")
    result = runner.invoke(args=["create-token", user.username, "--name", "screens"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("cft_") and "\n" not in token

    response = client.get("/api/v1/congresses", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [c["slug"] for c in response.get_json()["congresses"]] == ["visible"]

    refused = client.get("/api/v1/congresses", headers={"Authorization": "Bearer cft_wrong"})
    assert refused.status_code == 401


def test_create_token_for_unknown_user_fails(runner):
    result = runner.invoke(args=["create-token", "nobody"])
    _failed_cleanly(result, "No user 'nobody'")


# --- demo ------------------------------------------------------------------------------------


def _counts() -> tuple[int, int, int]:
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    return count(Congress), count(CongressSession), count(AgendaItem)


def test_demo_twice_changes_nothing(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Loaded ") and f"/c/{SLUG}" in first.output
    after_first = _counts()
    assert after_first[0] == 1 and after_first[1] > 0 and after_first[2] > 0
    streams = db.session.scalars(select(Stream).order_by(Stream.position)).all()
    assert [s.platform for s in streams] == ["facebook", "newspaper"]

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert second.output.startswith("Already there:")
    assert _counts() == after_first


# --- before the first start ------------------------------------------------------------------


def test_commands_work_on_an_empty_database(tmp_path):
    """`flask create-user` before `python app.py` ever ran: the tables are made first."""
    from conference import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["create-user", "first", "--role", "admin"])
            assert result.exit_code == 0, result.output
            assert len(PASSWORD_LINE.findall(result.output)) == 1
            assert _user("first").is_admin
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
