"""Serve the app for the browser tests: `python serve.py <config as JSON> <port>`.

Run as a separate process so the live server's Socket.IO server is its own, not the one the
unit tests in the pytest process keep re-binding to their apps. Like `python app.py`, it starts
the jobs' consumer beside itself, with the same settings.
"""

from __future__ import annotations

import json
import os
import sys

from conference import create_app
from conference.config import SETTINGS
from conference.extensions import socketio
from conference.jobs.consumer import start_beside, stop


def main() -> None:
    config, port = json.loads(sys.argv[1]), int(sys.argv[2])
    app = create_app(config)
    os.environ.update({f"CONFERENCE_{name}": str(value) for name, value in config.items()
                       if name in SETTINGS and value is not None})
    consumer = start_beside()  # it reads the settings from the environment, as in production
    try:
        socketio.run(app, host="127.0.0.1", port=port, debug=False, use_reloader=False,
                     log_output=True, allow_unsafe_werkzeug=True)
    finally:
        stop(consumer)


if __name__ == "__main__":
    main()
