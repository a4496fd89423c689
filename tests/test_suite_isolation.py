"""The shared app the `app` fixture hands out comes back as new for the next test."""

from __future__ import annotations

from pathlib import Path

from conference.extensions import db, socketio
from conference.tasks import queue
from tests.conftest import SharedApp


def test_a_shared_app_is_reset_to_what_it_was_built_with(app, shared_apps, migrated_template,
                                                         _postgres, make_app, create_congress,
                                                         client):
    shared: SharedApp = next(s for s in shared_apps.values() if s.app is app)
    create_congress()
    for _ in range(5):  # the sign-in limit (5 per minute) used up
        client.post("/login", data={"username": "nobody", "password": "wrong password"})
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code == 429
    (Path(app.instance_path) / "photos").mkdir()
    app.config["MAX_CONTENT_LENGTH"] = 1
    app.config["CONFERENCE"]["PUBLIC_URL"] = "https://elsewhere.example"
    app.extensions["checkin.agenda_times"] = {1: "stale"}
    make_app(JOBS_IMMEDIATE=False)  # binds Socket.IO and the job queue to another app

    # What happens between two tests: PostgreSQL is emptied after one, the rest reset before.
    if _postgres is not None:
        _postgres.empty()
    shared.reset(migrated_template)

    assert sorted(p.name for p in Path(app.instance_path).iterdir()) in ([], ["conference.db"])
    db.session.remove()
    assert db.session.execute(db.text("SELECT count(*) FROM congresses")).scalar() == 0
    assert app.config["MAX_CONTENT_LENGTH"] == shared.config["MAX_CONTENT_LENGTH"] > 1
    assert app.config["CONFERENCE"]["PUBLIC_URL"] is None
    assert "checkin.agenda_times" not in app.extensions
    assert socketio.server is shared.socket_server
    assert queue.app is app and queue.immediate  # jobs run at once again, in this app
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code == 401
