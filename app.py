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


def serve(app, host: str, port: int) -> None:
    """Serve until Ctrl-C or SIGTERM with gevent's WSGI server (Socket.IO's gevent mode)."""
    import os
    import signal

    import gevent
    from gevent.pywsgi import WSGIServer

    from conference.urls import serving_lines

    server = WSGIServer((host, port), app, log=None)
    server.start()  # listening from here on: a port in use fails before the line below
    if os.name == "posix":  # a service manager's stop; Windows has Ctrl-C only
        gevent.signal_handler(signal.SIGTERM, server.stop)  # the loop keeps the watcher
    print(f"Serving on http://{host}:{port}", flush=True)
    for line in serving_lines(host, port):  # the venue-network addresses, or how to get them
        print(line, flush=True)
    server.serve_forever()


def main() -> None:
    args = parse_args()  # --help and a wrong option end here, before anything is written
    if not args.debug:
        from gevent import monkey

        monkey.patch_all()  # before the app imports anything that blocks: sockets, locks, sleeps
    import os

    from conference.database import prepare_first_start
    from conference.extensions import socketio

    app = create_app({"ASYNC_MODE": "threading" if args.debug else "gevent"})
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
        if args.debug:  # Werkzeug's development server: the code reloader and the debugger
            socketio.run(app, host=args.host, port=args.port, debug=True,
                         allow_unsafe_werkzeug=True)
        else:
            serve(app, args.host, args.port)
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None:
            from conference.jobs.consumer import stop

            stop(consumer)


if __name__ == "__main__":
    main()
