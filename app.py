"""Entry point: `python app.py` serves the app, with the jobs' consumer beside it (jobs on
SQLite); `flask` commands find `app` here too."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from conference import create_app
from conference.extensions import socketio
from conference.urls import serving_lines

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
    consumer = None
    serving = not args.debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"  # the reloader's
    if serving and not app.config["CONFERENCE"]["REDIS_URL"]:  # child serves; its parent waits
        from conference.jobs.consumer import start_beside

        consumer = start_beside()
    elif serving:
        print("Jobs queue on Redis: run `python -m conference.jobs.consumer` too.", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the consumer on the way out
    print(f"Serving on http://{args.host}:{args.port}", flush=True)
    for line in serving_lines(args.host, args.port):
        print(line, flush=True)
    try:
        socketio.run(app, host=args.host, port=args.port, debug=args.debug,
                     allow_unsafe_werkzeug=True)
    finally:
        if consumer is not None:
            from conference.jobs.consumer import stop

            stop(consumer)


if __name__ == "__main__":
    main()
