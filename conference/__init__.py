"""conference: run a delegate congress from the first agenda draft to the closing ceremony."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from conference.config import PROJECT_ROOT, flask_config, load_settings

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the app: settings are defaults, then CONFERENCE_* variables, then `config`."""
    # Imported here: a badge render worker imports conference.pdf, and so this package, only.
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    settings = load_settings(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config["CONFERENCE"] = settings
    app.config.update(flask_config(settings))
    if settings["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    # Models and socket handlers must be imported before the extensions are bound.
    from conference import database, live, models, tasks, web  # noqa: F401
    from conference.agenda import sockets  # noqa: F401
    from conference.attendance import sockets as attendance_sockets  # noqa: F401
    from conference.displays import sockets as displays_sockets  # noqa: F401
    from conference.elections import scene as elections_scene  # noqa: F401
    from conference.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
        socketio,
    )
    from conference.i18n import compiled_translations, select_locale
    from conference.portal import sockets as portal_sockets  # noqa: F401
    from conference.speakers import scene as speakers_scene  # noqa: F401
    from conference.speakers import sockets as speakers_sockets  # noqa: F401
    from conference.streams import sockets as streams_sockets  # noqa: F401
    from conference.votes import scene as votes_scene  # noqa: F401
    from conference.votes import sockets as votes_sockets  # noqa: F401

    db.init_app(app)
    with app.app_context():
        database.ping_rested_connections(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "conference" / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    # Tests point TRANSLATIONS_FOLDER at one folder compiled once for the whole run.
    translations = settings.get("TRANSLATIONS_FOLDER") or Path(app.instance_path) / "translations"
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(
        compiled_translations(Path(translations))))
    login_manager.init_app(app)
    mail.init_app(app)
    tasks.init_app(app)
    # The client manager is always named: Flask-SocketIO would keep an earlier app's otherwise.
    socketio.init_app(app, client_manager=live.client_manager(settings["MESSAGE_QUEUE"],
                                                              settings["REDIS_PREFIX"]),
                      async_mode=settings["ASYNC_MODE"], cors_allowed_origins=None)

    if not settings["WEBSOCKET_COMPRESSION"]:
        app.wsgi_app = web.WithoutWebSocketCompression(app.wsgi_app)
    web.init_app(app)
    from conference import monitoring

    monitoring.init_app(app)
    from conference import cli, demo
    from conference.agenda.views import bp as agenda_bp
    from conference.api import bp as api_bp
    from conference.attendance.views import bp as attendance_bp
    from conference.audit.views import bp as audit_bp
    from conference.auth.views import bp as auth_bp
    from conference.badges.views import bp as badges_bp
    from conference.checkin.views import bp as checkin_bp
    from conference.congresses.views import bp as congresses_bp
    from conference.delegates.views import bp as delegates_bp
    from conference.displays.views import bp as displays_bp
    from conference.documents.views import bp as documents_bp
    from conference.elections.views import bp as elections_bp
    from conference.jobs.views import bp as jobs_bp
    from conference.mailings.views import bp as mailings_bp
    from conference.portal.views import bp as portal_bp
    from conference.site.views import bp as site_bp
    from conference.speakers.views import bp as speakers_bp
    from conference.speakers.views import portal as speakers_portal_bp
    from conference.streams.views import bp as streams_bp
    from conference.votes.views import bp as votes_bp
    from conference.votes.views import portal_bp as votes_portal_bp

    for blueprint in (auth_bp, congresses_bp, agenda_bp, audit_bp, delegates_bp, badges_bp,
                      checkin_bp, attendance_bp, portal_bp, jobs_bp, streams_bp, documents_bp,
                      displays_bp, site_bp, mailings_bp, elections_bp,
                      votes_bp, votes_portal_bp,
                      speakers_bp, speakers_portal_bp,
                      api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # the API takes bearer tokens, never cookies
    cli.init_app(app)
    demo.init_app(app)
    return app
