"""gunicorn settings of one app process behind nginx (systemd starts one per port:
`gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001 'conference:create_app()'`).

One gevent worker per process: Socket.IO keeps each client on one process, so processes scale
the live channel, not workers inside one; nginx spreads phones over the processes.
"""

import gc
import signal

worker_class = "gevent"  # the live channel's mode (CONFERENCE_ASYNC_MODE=gevent)
workers = 1
worker_connections = 3000  # phones, screens and requests at once, per process
# An idle connection from nginx is closed after this; nginx gives up its own a second sooner
# (keepalive_timeout in its upstream), and a stopping worker waits for none longer than this.
keepalive = 5
timeout = 60  # a worker silent this long is restarted
graceful_timeout = 20  # requests under way may finish; live clients are sent away at once
# gunicorn 27 opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl): the
# processes of one server would take it from each other, and a stopping one removes the file
# of another. systemd and signals drive these processes; nothing uses the socket.
control_socket_disable = True


def post_worker_init(worker):
    """On SIGTERM (a restart, a deploy) the worker stops taking connections and then closes the
    live ones, so their pages reconnect through nginx to another process within a second or two
    rather than after the graceful timeout.

    The app as loaded (about 200,000 objects: modules, templates, the models) is frozen out of
    the garbage collector's reach, so a full collection walks only what came after: in a process
    holding 1,000 phones on a 2-core server, its pauses went from 150-315 ms to 45-156 ms
    (bench/venue_fanout.py).
    """
    import gevent

    gc.collect()
    gc.freeze()

    from conference.live import close_live_connections

    stop = worker.handle_exit

    def handle_exit(sig, frame):
        stop(sig, frame)
        # The worker's loop closes its listener within a second; clients sent away before that
        # would be let in again.
        gevent.spawn_later(1.2, close_live_connections)

    signal.signal(signal.SIGTERM, handle_exit)
