"""What a hostile workbook costs: 63,000 rows of 200 cells posted to the import API of a
production server while the doors of another congress keep scanning.

    python bench/hostile_import.py [--rows 63000] [--columns 200] [--variant declared|hidden]
                                   [--code DIR] [--after 3]

Builds an XLSX of ROWS x COLUMNS small numbers (about 2.3 MB, within the unpacked-size and
ratio guards), serves the app as the README does (gunicorn -k gevent, one worker, and the
jobs' consumer as its own process), and seeds two congresses: one whose organizer imports the
file through POST /api/v1/congresses/{id}/delegates/import, one whose gate keeps posting badge
scans (a closed loop, as bench/checkin.py) before, during and after the import.

Variants: `declared` is the file as Excel writes it (its first sheet declares its size: A1:GR63001
for 200 columns); `lying` declares A1:J10; `hidden` leaves the declaration out, so only reading
it tells its size.
--code serves another checkout (e.g. the code before the import became a job), with the same
clients and figures.

Prints: the import's answer and the time to its error (the answer, or the job's end), check-in
latency at the other congress before and while the import runs, the web process's resident
memory (and its peak, VmHWM) before and after, and the consumer's peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import free_port, percentile, start_server, stop_server  # noqa: E402

SECRET_KEY = "bench-hostile-secret-key"
BADGES = 200
VARIED = 6  # random cells a row: the file then compresses to 2.3 MB, like the one reported
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>')


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def build_workbook(path: Path, rows: int, columns: int, variant: str) -> None:
    """A workbook of `rows` rows of `columns` cells, written as a stream (never whole in memory):
    a header with a name column, then numbers, a few random ones a row so it compresses like
    the 2.3 MB file of the report rather than to nothing."""
    rng = random.Random(63)
    header = ['<c t="inlineStr"><is><t>Họ và tên</t></is></c>'] + [
        f'<c t="inlineStr"><is><t>Cột {n}</t></is></c>' for n in range(2, columns + 1)]
    dimension = {"declared": f'<dimension ref="A1:{column_letters(columns)}{rows + 1}"/>',
                 "lying": '<dimension ref="A1:J10"/>', "hidden": ""}[variant]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas'
                         f'.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
                         f'<row>{"".join(header)}</row>').encode())
            plain = "<c><v>1</v></c>" * (columns - VARIED)
            for _ in range(rows):
                varied = "".join(f"<c><v>{rng.randrange(10**6)}</v></c>" for _ in range(VARIED))
                sheet.write(f"<row>{varied}{plain}</row>".encode())
            sheet.write(b"</sheetData></worksheet>")


# --- the world --------------------------------------------------------------------------------


def seed(settings: dict) -> dict:
    """Two congresses: one that imports (an organizer's token), one whose doors are open."""
    from bench.checkin import seed as seed_doors
    from conference import create_app
    from conference.auth.models import Membership, User
    from conference.auth.service import create_api_token
    from conference.congresses.models import Congress
    from conference.extensions import db

    doors, door_token, urls = seed_doors(settings, BADGES, True)
    app = create_app(settings)
    with app.app_context():
        congress = Congress(slug="dai-hoi-nganh", name="Đại hội Công đoàn ngành Giáo dục",
                            starts_on=date.today(), ends_on=date.today())
        organizer = User(username="to.chuc", password_hash="!")
        db.session.add_all([congress, organizer])
        db.session.flush()
        db.session.add(Membership(user=organizer, congress_id=congress.id, role="organizer"))
        db.session.commit()
        token = create_api_token(None, organizer, "bench")[1]
        importer = congress.id
        db.session.remove()
        db.engine.dispose()
    return {"doors": doors, "door_token": door_token, "urls": urls, "importer": importer,
            "token": token}


# --- measuring --------------------------------------------------------------------------------


def gate(port: int, congress_id: int, token: str, urls: list[str], stop, results) -> None:
    """Scan badges one after another until told to stop; each scan's (start time, seconds)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    path = f"/api/v1/congresses/{congress_id}/checkins"
    timings = []
    rng = random.Random(5)
    while not stop.is_set():
        body = json.dumps({"scan": rng.choice(urls), "gate": "Cổng 1"})
        began = time.time()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0  # the worker was killed under it
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        timings.append((began, time.time() - began, status))
    results.put(timings)


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in bytes; (0, 0) once it is gone."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) * 1024
    except OSError:
        return 0, 0
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack += children(current)
    return pids


class TreePeak:
    """The largest summed RSS of a process tree, sampled every 20 ms from a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, sum(memory(pid)[0] for pid in tree(self.pid)))
            time.sleep(0.02)

    def close(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def post_file(port: int, congress_id: int, token: str, data: bytes) -> tuple[int, dict, float]:
    boundary = "----bench-hostile"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"danh-sach.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.time()
    try:
        connection.request("POST", f"/api/v1/congresses/{congress_id}/delegates/import",
                           body=body, headers={"Authorization": f"Bearer {token}",
                                               "Content-Type": f"multipart/form-data; "
                                                               f"boundary={boundary}"})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return 0, {"error": {"message": f"connection lost: {error!r}"}}, time.time() - began
    try:
        answer = json.loads(text)
    except ValueError:
        answer = {"text": text[:200]}
    return status, answer, time.time() - began


def follow_job(port: int, token: str, url: str) -> tuple[dict, float]:
    began = time.time()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        connection.request("GET", url, headers={"Authorization": f"Bearer {token}"})
        job = json.loads(connection.getresponse().read())
        if job["status"] in ("done", "failed"):
            return job, time.time() - began
        time.sleep(0.25)


def latency(timings, start: float, end: float) -> str:
    chosen = [seconds * 1000 for began, seconds, _status in timings if start <= began < end]
    lost = sum(1 for began, _s, status in timings if start <= began < end and status == 0)
    if not chosen:
        return "no scan"
    return (f"{len(chosen)} scans, p50 {percentile(chosen, .5):.0f} ms, p99 "
            f"{percentile(chosen, .99):.0f} ms, max {max(chosen):.0f} ms"
            + (f", {lost} lost" if lost else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=63_000)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--variant", choices=("declared", "lying", "hidden"), default="declared")
    parser.add_argument("--code", default=str(ROOT), help="the checkout to serve")
    parser.add_argument("--after", type=float, default=3.0,
                        help="seconds of scanning measured after the import's end")
    args = parser.parse_args()
    code = Path(args.code).resolve()
    instance = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    book = Path(tempfile.gettempdir()) / (f"hostile-{args.rows}x{args.columns}-"
                                          f"{args.variant}.xlsx")
    if not book.exists():
        print(f"Building {book} ...", flush=True)
        build_workbook(book, args.rows, args.columns, args.variant)
    data = book.read_bytes()
    with zipfile.ZipFile(book) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    print(f"{book.name}: {len(data) / 1e6:.1f} MB, unpacks to {unpacked / 1e6:.0f} MB "
          f"(ratio {unpacked / len(data):.0f}); serving {code}; {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}", flush=True)

    settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY,
                "DATABASE_URL": f"sqlite:///{instance / 'conference.db'}",
                "RATELIMIT_STORAGE_URL": "memory://", "ASYNC_MODE": "gevent"}
    sys.path.insert(0, str(code))  # seed with the schema of the code served
    world = seed(settings)
    port = free_port()
    server = consumer = None
    stop = multiprocessing.Event()
    try:
        server = start_server(settings, port, ["-k", "gevent", "--workers", "1"],
                              instance / "server.log", code=code)
        [worker] = children(server.pid)
        if (code / "conference" / "jobs" / "consumer.py").exists():
            import subprocess

            env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERENCE_")}
            env |= {f"CONFERENCE_{k}": str(v) for k, v in settings.items()}
            env["PYTHONPATH"] = str(code)
            consumer = subprocess.Popen(
                [sys.executable, "-m", "conference.jobs.consumer"], cwd=code, env=env,
                stdout=(instance / "consumer.log").open("wb"), stderr=subprocess.STDOUT,
                start_new_session=True)
        results = multiprocessing.Queue()
        door = multiprocessing.Process(target=gate, args=(
            port, world["doors"], world["door_token"], world["urls"], stop, results))
        door.start()
        time.sleep(3)  # scans before the import: the yardstick
        rss_before, _hwm = memory(worker)
        consumer_peak = TreePeak(consumer.pid) if consumer else None
        web_peak = TreePeak(worker)  # sampled: a killed worker's VmHWM cannot be read after
        started = time.time()
        status, answer, answered = post_file(port, world["importer"], world["token"], data)
        if status == 202:
            job, _followed = follow_job(port, world["token"], answer["job"]["url"])
            ended = time.time()
            result = job.get("result") or {}
            error = result.get("error") or job.get("error") or {}
            outcome = f"202, then the job {job['status']}: {error.get('code')}: " \
                      f"{error.get('message')}"
        else:
            ended = started + answered
            error = answer.get("error", {})
            outcome = f"{status} {error.get('code', '')}: {error.get('message', answer)}"
        time.sleep(args.after)
        stop.set()
        timings = results.get(timeout=120)
        door.join(10)
        rss_after, hwm_after = memory(worker)
        if not rss_after:
            outcome += " (the web worker is gone: killed)"
        print(f"  answer: {outcome}")
        print(f"  time to the error: {ended - started:.2f} s (the request itself "
              f"{answered:.2f} s)")
        print(f"  check-in at the other congress, before: "
              f"{latency(timings, started - 3, started)}")
        print(f"    while the import ran: {latency(timings, started, max(ended, started + 1))}")
        print(f"    after it: {latency(timings, max(ended, started + 1), ended + args.after)}")
        worst = max((t for t in timings if t[0] >= started), key=lambda t: t[1], default=None)
        if worst:
            print(f"    longest scan: {worst[1] * 1000:.0f} ms, started "
                  f"{worst[0] - started:.1f} s after the upload")
        print(f"  web worker memory: RSS {rss_before / 2**20:.0f} MB before, "
              f"{rss_after / 2**20:.0f} MB after; peak {web_peak.close() / 2**20:.0f} MB "
              f"sampled every 20 ms (VmHWM after: {hwm_after / 2**20:.0f} MB)")
        if consumer_peak:
            print(f"  consumer and its processes, peak summed RSS: "
                  f"{consumer_peak.close() / 2**20:.0f} MB")
        scans = [t for t in timings if t[2] in (200, 201)]
        print(f"  scans answered: {len(scans)} of {len(timings)}; median "
              f"{statistics.median([t[1] for t in scans]) * 1000:.0f} ms" if scans else "")
    finally:
        stop.set()
        if consumer is not None:
            consumer.terminate()
            consumer.wait(20)
        if server is not None:
            stop_server(server)
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
