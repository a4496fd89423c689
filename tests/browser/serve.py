"""Serve the app for the browser tests: `python serve.py <config as JSON> <port>`.

Run as a separate process so the live server's Socket.IO server is its own, not the one the
unit tests in the pytest process keep re-binding to their apps.
"""

from __future__ import annotations

import json
import sys

from conference import create_app
from conference.extensions import socketio


def main() -> None:
    config, port = json.loads(sys.argv[1]), int(sys.argv[2])
    app = create_app(config)
    socketio.run(app, host="127.0.0.1", port=port, debug=False, use_reloader=False,
                 log_output=True, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
