"""The yardstick of bench/checkin.py --venue: a gate's scan answered by the bare serving stack.

A WSGI app with no Flask and no database, served like the conference (gunicorn with
deploy/gunicorn.conf.py behind the same nginx over HTTPS): it reads the gate's JSON, hashes the
scanned token as the app does, and answers the bytes of a real check-in answer (the file named
by BARE_GATE_ANSWER) with the same status. What the gates reach through it is what this machine's
HTTP path can carry; the app's rate is quoted as a share of it, measured in the same run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

ANSWER = Path(os.environ["BARE_GATE_ANSWER"]).read_bytes()


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b"{}"
    scan = json.loads(body).get("scan", "")
    hashlib.sha256(scan.strip().rsplit("/", 1)[-1].encode()).hexdigest()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(ANSWER))),
                              ("Cache-Control", "no-store")])
    return [ANSWER]
