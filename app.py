"""Entry point: `python app.py` serves the app; `flask` commands find `app` here too."""

from __future__ import annotations

import argparse

from conference import create_app
from conference.extensions import socketio

app = create_app()


def main() -> None:
    from conference.database import prepare_first_start

    parser = argparse.ArgumentParser(description="Serve the congress app.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on")
    parser.add_argument("--demo", action="store_true", help="load the demo congress if missing")
    parser.add_argument("--debug", action="store_true", help="reload on code changes")
    args = parser.parse_args()
    for line in prepare_first_start(app, with_demo=args.demo):
        print(line, flush=True)
    print(f"Serving on http://{args.host}:{args.port}", flush=True)
    socketio.run(app, host=args.host, port=args.port, debug=args.debug,
                 allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
