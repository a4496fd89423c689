#!/usr/bin/env python3
"""Set up a whole congress agenda through the JSON API, as a union's own tools would.

    python scripts/agenda_via_api.py --base-url http://127.0.0.1:5000 --token cft_...

Makes a congress, its four sessions (preparatory, official, closing, awards ceremony) and their
items, publishes it, moves the current item (start, next, previous) and prints the agenda.
Only the standard library is used, so it runs on any Python 3.11 without installing anything.

The token comes from the account page, or `flask create-token USERNAME` on the server; its
account must be allowed to create congresses. Times are sent without an offset: the server reads
them in the congress's time zone. Exit status: 0 done, 1 the API refused, 2 no connection.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

API = "/api/v1"

# (title, kind, day offset from the first day, start, end, [(item title, presenter, minutes)])
SESSIONS = [
    ("Phiên trù bị", "preparatory", 0, "14:00", "16:00", [
        ("Chào cờ, tuyên bố lý do, giới thiệu đại biểu", "Ban Tổ chức", 10),
        ("Bầu Đoàn Chủ tịch, Đoàn Thư ký, Ban Thẩm tra tư cách đại biểu", "Ban Tổ chức", 20),
        ("Thông qua Chương trình và Quy chế làm việc của Đại hội", "Đoàn Chủ tịch", 20),
    ]),
    ("Phiên chính thức", "official", 1, "07:30", "11:30", [
        ("Khai mạc Đại hội", "Chủ tịch Công đoàn", 15),
        ("Báo cáo thẩm tra tư cách đại biểu", "Ban Thẩm tra tư cách đại biểu", 15),
        ("Báo cáo kết quả nhiệm kỳ và phương hướng nhiệm kỳ mới", "Ban Chấp hành", 45),
        ("Thảo luận và phát biểu chỉ đạo", "Đại biểu", 90),
        ("Bầu Ban Chấp hành nhiệm kỳ mới", "Ban Bầu cử", 60),
    ]),
    ("Phiên bế mạc", "closing", 1, "13:30", "15:00", [
        ("Công bố kết quả bầu cử", "Ban Bầu cử", 15),
        ("Thông qua Nghị quyết Đại hội", "Đoàn Thư ký", 20),
        ("Bế mạc Đại hội", "Đoàn Chủ tịch", 10),
    ]),
    ("Lễ khen thưởng", "ceremony", 1, "15:00", "16:00", [
        ("Trao Bằng khen cho tập thể và cá nhân xuất sắc", "Liên đoàn Lao động", 40),
    ]),
]


class ApiError(Exception):
    """The API answered with an error: HTTP status, machine code, message and field errors."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


class Client:
    """A minimal API v1 client: JSON in, JSON out, errors raised as ApiError."""

    def __init__(self, base_url: str, token: str, timeout: float = 30):
        if not base_url.startswith(("http://", "https://")):
            raise SystemExit("--base-url must start with http:// or https://")
        self.base = base_url.rstrip("/") + API
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict | None = None) -> dict | None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # S310: the scheme was checked in __init__, so only http(s), never file: or ftp:.
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise _api_error(exc) from None
        return json.loads(payload) if payload else None

    def get(self, path: str) -> dict:
        return self.call("GET", path)

    def post(self, path: str, body: dict | None = None) -> dict:
        return self.call("POST", path, body)

    def patch(self, path: str, body: dict) -> dict:
        return self.call("PATCH", path, body)


def _api_error(exc: urllib.error.HTTPError) -> ApiError:
    try:
        error = json.loads(exc.read())["error"]
        return ApiError(exc.code, error["code"], error["message"], error.get("fields"))
    except (ValueError, KeyError, TypeError):
        return ApiError(exc.code, "http_error", str(exc.reason))


def build_congress(client: Client, name: str, starts_on: date, slug: str | None,
                   timezone: str) -> dict:
    """Create the congress, its sessions and items, then publish it; return the congress."""
    body = {"name": name, "starts_on": starts_on.isoformat(),
            "ends_on": (starts_on + timedelta(days=1)).isoformat(), "timezone": timezone,
            "organizing_union": "Liên đoàn Lao động", "venue": "Hội trường Cung Văn hóa Lao động"}
    if slug:
        body["slug"] = slug
    congress = client.post("/congresses", body)
    for title, kind, day, start, end, items in SESSIONS:
        when = (starts_on + timedelta(days=day)).isoformat()
        session = client.post(f"/congresses/{congress['id']}/sessions", {
            "title": title, "kind": kind, "starts_at": f"{when}T{start}",
            "ends_at": f"{when}T{end}"})
        for item_title, presenter, minutes in items:
            client.post(f"/sessions/{session['id']}/items", {
                "title": item_title, "presenter": presenter, "duration_minutes": minutes})
    return client.patch(f"/congresses/{congress['id']}", {"published": True})


def drive(client: Client, congress_id: int) -> dict:
    """Start the first item, go on twice, then back once: the second item is under way."""
    base = f"/congresses/{congress_id}/agenda"
    agenda = client.get(base)
    first = agenda["sessions"][0]["items"][0]["id"]
    client.post(f"{base}/current", {"item_id": first})
    client.post(f"{base}/next")
    client.post(f"{base}/next")
    return client.post(f"{base}/previous")


def format_agenda(congress: dict, agenda: dict) -> str:
    """The agenda as text, times in the congress's time zone, the current item marked >."""
    zone = ZoneInfo(agenda["timezone"])

    def local(text: str, pattern: str) -> str:
        return datetime.fromisoformat(text).astimezone(zone).strftime(pattern)

    lines = [f"{congress['name']} (id {congress['id']}, /c/{congress['slug']}, "
             f"{'published' if congress['published'] else 'not published'})"]
    for session in agenda["sessions"]:
        lines.append(f"{local(session['starts_at'], '%d/%m/%Y %H:%M')}–"
                     f"{local(session['ends_at'], '%H:%M')}  {session['title']} "
                     f"[{session['kind']}]")
        for number, item in enumerate(session["items"], start=1):
            mark = ">" if item["id"] == agenda["current_item_id"] else " "
            minutes = f" ({item['duration_minutes']} min)" if item["duration_minutes"] else ""
            presenter = f" — {item['presenter']}" if item["presenter"] else ""
            lines.append(f"  {mark} {number}. {item['title']}{presenter}{minutes}")
    current = agenda["current_item"]
    lines.append(f"Current item: {current['title'] if current else 'none'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--token", required=True, help="an API token (cft_...)")
    parser.add_argument("--name", default="Đại hội Công đoàn cơ sở lần thứ XV",
                        help="name of the congress to create")
    parser.add_argument("--slug", help="address of the public page (default: from the name)")
    parser.add_argument("--starts-on", type=date.fromisoformat,
                        default=date.today() + timedelta(days=30),
                        help="first day, YYYY-MM-DD (default: in 30 days)")
    parser.add_argument("--timezone", default="Asia/Ho_Chi_Minh")
    args = parser.parse_args(argv)

    client = Client(args.base_url, args.token)
    try:
        congress = build_congress(client, args.name, args.starts_on, args.slug, args.timezone)
        print(f"Created and published congress {congress['id']} (/c/{congress['slug']}).")
        agenda = drive(client, congress["id"])
    except ApiError as exc:
        print(f"The API refused: {exc}", file=sys.stderr)
        for field, problem in exc.fields.items():
            print(f"  {field}: {problem}", file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"Cannot reach {args.base_url}: {exc.reason}", file=sys.stderr)
        return 2
    print(format_agenda(congress, agenda))
    return 0


if __name__ == "__main__":
    sys.exit(main())
