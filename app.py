"""Entry point: `python app.py` serves the app with gevent's WSGI server (WebSockets included,
nothing to install beyond the package on Linux, macOS or Windows), with the jobs' consumer
beside it (jobs on SQLite); `flask` commands find the app factory here too."""

from __future__ import annotations

import argparse

from conference import create_app


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the congress app.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on")
    parser.add_argument("--demo", action="store_true", help="load the demo congress if missing")
    parser.add_argument("--debug", action="store_true", help="reload on code changes")
    return parser.parse_args()


def main() -> None:
    args = parse_args()  # --help and a wrong option end here, before anything is written
    from gevent import monkey

    monkey.patch_all()  # before the app imports anything that blocks: sockets, locks, sleeps
    import os
    import signal

    import gevent
    from gevent.pywsgi import WSGIServer

    from conference.database import prepare_first_start
    from conference.extensions import socketio

    app = create_app({"ASYNC_MODE": "gevent"})
    for line in prepare_first_start(app, with_demo=args.demo):
        print(line, flush=True)
    consumer = None
    serving = not args.debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"  # the reloader's
    if serving and not app.config["CONFERENCE"]["REDIS_URL"]:  # child serves; its parent waits
        from conference.jobs.consumer import start_beside

        consumer = start_beside()
    elif serving:
        print("Jobs queue on Redis: run `python -m conference.jobs.consumer` too.", flush=True)
    try:
        if args.debug:
            socketio.run(app, host=args.host, port=args.port, debug=True)
        else:
            server = WSGIServer((args.host, args.port), app, log=None)
            server.start()  # listening from here on: a port in use fails before the line below
            gevent.signal_handler(signal.SIGTERM, server.stop)
            print(f"Serving on http://{args.host}:{args.port}", flush=True)
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None:
            from conference.jobs.consumer import stop

            stop(consumer)


if __name__ == "__main__":
    main()
