"""Who may do what: every role against every page and API route, from one table.

The table must name every route the app serves (test_every_route_is_in_the_table), so a new
page or API route cannot ship without deciding who may use it. Refused requests must change
nothing (checked after each one).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import Text, cast, func, literal, select, union_all

from conference.actors import SYSTEM
from conference.auth.service import Actor, create_api_token
from conference.delegates import photos
from conference.delegates.importing import stage_import
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db, limiter
from tests.conftest import make_agenda

ROLES = ("anonymous", "admin", "organizer", "operator", "checkin", "outsider")
# What the roles of the congress under test may do (the outsider organizes another congress).
# The rights mirror ROLE_CAPABILITIES in conference/auth/service.py.
RIGHTS = {"organizer": {"view", "edit", "drive", "delegates", "delegates_view", "checkin",
                       "attendance", "proceedings", "elections", "count", "head"},
          "operator": {"view", "drive", "attendance", "proceedings"},
          "checkin": {"view", "delegates_view", "checkin", "attendance"}}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
UNTABLED_ENDPOINTS = {"static"}  # files, the same for everybody


# --- expected statuses ---------------------------------------------------------------------


def everyone(status: int, **overrides: int) -> dict[str, int]:
    return {role: status for role in ROLES} | overrides


def signed_in(status: int) -> dict[str, int]:
    """A page for any signed-in user; anonymous visitors are sent to sign in."""
    return everyone(status, anonymous=302)


def admin_only(status: int) -> dict[str, int]:
    return everyone(403, anonymous=302, admin=status)


def creators_only(status: int, anonymous: int) -> dict[str, int]:
    """Only accounts allowed to create congresses (here: only the admin)."""
    return everyone(403, anonymous=anonymous, admin=status)


def congress_route(right: str, status: int, anonymous: int) -> dict[str, int]:
    return {"anonymous": anonymous, "admin": status, "outsider": 404} | {
        role: status if right in rights else 403 for role, rights in RIGHTS.items()}


def page(right: str, status: int) -> dict[str, int]:
    return congress_route(right, status, anonymous=302)


def api(right: str, status: int) -> dict[str, int]:
    return congress_route(right, status, anonymous=401)


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    method: str
    endpoint: str
    path: Callable[[SimpleNamespace], str]
    expect: dict[str, int]
    body: Callable[[SimpleNamespace], object] | None = None
    label: str = ""
    json: bool = False  # send the body as JSON (always so for the API)
    setup: Callable[[SimpleNamespace], None] | None = None

    @property
    def is_api(self) -> bool:
        return self.endpoint.startswith("api.")

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint}" + (f"[{self.label}]" if self.label else "")


def _current_second_item(w: SimpleNamespace) -> None:
    w.congress.current_item_id = w.items[1].id
    db.session.commit()


def _unpublish(w: SimpleNamespace) -> None:
    w.congress.published = False
    db.session.commit()


CONGRESS_FORM = {"name": "Đại hội Công đoàn Điện lực", "starts_on": "2023-09-27",
                 "ends_on": "2023-09-28", "timezone": "Asia/Ho_Chi_Minh",
                 "quorum_numerator": "1", "quorum_denominator": "2", "quorum_strict": "1"}
SESSION_FORM = {"title": "Phiên bế mạc", "kind": "closing", "starts_at": "2023-09-28T14:00",
                "ends_at": "2023-09-28T16:00", "room": "", "chair": ""}
SESSION_JSON = {"title": "Phiên bế mạc", "kind": "closing",
                "starts_at": "2023-09-28T14:00:00+07:00", "ends_at": "2023-09-28T16:00:00+07:00"}


DELEGATE_FORM = {"full_name": "Trần Thị Mai", "code": "", "category": "official",
                 "unit": "Công đoàn ngành Giáo dục", "position": "", "delegation": "",
                 "seat": "", "gender": "female", "phone": "0912345678", "email": "",
                 "status": "registered", "notes": ""}
DELEGATE_CSV = "Mã đại biểu,Họ và tên\nDB0200,Lê Văn Hùng\n".encode()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PHOTO = _png()


def _give_photo(w: SimpleNamespace) -> None:
    w.delegate.photo = photos.store_photo(w.delegate.id, photos.process_photo(PHOTO))
    db.session.commit()


def _checked_list(w: SimpleNamespace) -> None:
    """A list uploaded and checked (a dry run without problems) by the administrator."""
    w.job = stage_import(Actor(w.users["admin"]), w.congress, "danh-sach.csv", DELEGATE_CSV)


def _layout(w: SimpleNamespace) -> dict:
    first = w.sessions[0]
    return {"sessions": {str(first.id): [w.items[1].id, w.items[0].id]}}


C = "/manage/{w.congress.id}"


def _first_category(w) -> None:
    from conference.delegates.service import categories

    w.category = categories(w.congress)[0]


def _category_id(w) -> int:
    return w.category.id if hasattr(w, "category") else 99
CASES: list[Case] = [
    # Public pages and the sign-in page.
    Case("GET", "monitoring.healthz", lambda w: "/healthz", everyone(200)),
    Case("GET", "monitoring.metrics", lambda w: "/metrics", everyone(200)),  # from this computer
    Case("GET", "monitoring.status", lambda w: "/manage/status", signed_in(200)),
    Case("GET", "site.set_language", lambda w: "/lang/en", everyone(302)),
    Case("GET", "congresses.index", lambda w: "/", everyone(200)),
    Case("GET", "congresses.public", lambda w: f"/c/{w.congress.slug}", everyone(200)),
    Case("GET", "congresses.public_fragment", lambda w: f"/c/{w.congress.slug}/agenda-fragment",
         everyone(200)),
    Case("GET", "agenda.public_pdf", lambda w: f"/c/{w.congress.slug}/agenda.pdf", everyone(200)),
    Case("GET", "auth.login", lambda w: "/login", everyone(302, anonymous=200)),
    Case("POST", "auth.login", lambda w: "/login", everyone(302, anonymous=401),
         body=lambda w: {"username": "nobody", "password": "wrong password"}),
    # Every signed-in user.
    Case("POST", "auth.logout", lambda w: "/logout", signed_in(302)),
    Case("GET", "auth.account", lambda w: "/account", signed_in(200)),
    Case("POST", "auth.account", lambda w: "/account", signed_in(200),
         body=lambda w: {"action": "create_token", "name": "laptop"}),
    Case("GET", "congresses.manage_list", lambda w: "/manage/", signed_in(200)),
    # Administrators only.
    Case("GET", "auth.users", lambda w: "/admin/users", admin_only(200)),
    Case("POST", "auth.users", lambda w: "/admin/users", admin_only(200),
         body=lambda w: {"username": "newcomer", "password": "a long enough password"}),
    Case("GET", "auth.user_detail", lambda w: f"/admin/users/{w.spare.id}", admin_only(200)),
    Case("POST", "auth.user_detail", lambda w: f"/admin/users/{w.spare.id}", admin_only(302),
         body=lambda w: {"action": "grant", "congress_id": w.congress.id, "role": "checkin"}),
    Case("GET", "audit.log", lambda w: "/admin/audit", admin_only(200)),
    Case("GET", "site_settings.settings", lambda w: "/admin/site", admin_only(200)),
    Case("POST", "site_settings.settings", lambda w: "/admin/site", admin_only(302),
         body=lambda w: {"public_url": "https://daihoi.example.vn"}),
    # Congress pages.
    Case("GET", "congresses.create", lambda w: "/manage/new", creators_only(200, 302)),
    Case("POST", "congresses.create", lambda w: "/manage/new", creators_only(302, 302),
         body=lambda w: CONGRESS_FORM),
    Case("GET", "congresses.overview", lambda w: C.format(w=w) + "/", page("view", 200)),
    Case("GET", "congresses.edit", lambda w: C.format(w=w) + "/edit", page("edit", 200)),
    Case("POST", "congresses.edit", lambda w: C.format(w=w) + "/edit", page("edit", 302),
         body=lambda w: CONGRESS_FORM | {"slug": w.congress.slug, "published": "1"}),
    Case("POST", "congresses.publish", lambda w: C.format(w=w) + "/publish", page("edit", 302),
         body=lambda w: {"published": "0"}),
    Case("POST", "congresses.delete", lambda w: C.format(w=w) + "/delete", page("edit", 302),
         setup=_unpublish),
    # Agenda pages.
    Case("GET", "agenda.edit", lambda w: C.format(w=w) + "/agenda", page("edit", 200)),
    Case("GET", "agenda.manage_pdf", lambda w: C.format(w=w) + "/agenda.pdf", page("view", 200)),
    Case("POST", "agenda.arrange", lambda w: C.format(w=w) + "/agenda/arrange",
         page("edit", 200), body=_layout, json=True),
    Case("GET", "agenda.new_session", lambda w: C.format(w=w) + "/sessions/new",
         page("edit", 200)),
    Case("POST", "agenda.new_session", lambda w: C.format(w=w) + "/sessions/new",
         page("edit", 302), body=lambda w: SESSION_FORM),
    Case("GET", "agenda.edit_session", lambda w: f"/manage/sessions/{w.sessions[0].id}/edit",
         page("edit", 200)),
    Case("POST", "agenda.edit_session", lambda w: f"/manage/sessions/{w.sessions[0].id}/edit",
         page("edit", 302), body=lambda w: SESSION_FORM),
    Case("POST", "agenda.delete_session",
         lambda w: f"/manage/sessions/{w.sessions[0].id}/delete", page("edit", 302)),
    Case("GET", "agenda.new_item", lambda w: f"/manage/sessions/{w.sessions[0].id}/items/new",
         page("edit", 200)),
    Case("POST", "agenda.new_item", lambda w: f"/manage/sessions/{w.sessions[0].id}/items/new",
         page("edit", 302),
         body=lambda w: {"title": "Phát biểu của khách mời", "session_id": w.sessions[0].id}),
    Case("GET", "agenda.edit_item", lambda w: f"/manage/items/{w.items[0].id}/edit",
         page("edit", 200)),
    Case("POST", "agenda.edit_item", lambda w: f"/manage/items/{w.items[0].id}/edit",
         page("edit", 302),
         body=lambda w: {"title": "Khai mạc Đại hội", "session_id": w.sessions[0].id}),
    Case("POST", "agenda.delete_item", lambda w: f"/manage/items/{w.items[0].id}/delete",
         page("edit", 302)),
    Case("POST", "agenda.move_item", lambda w: f"/manage/items/{w.items[1].id}/move",
         page("edit", 302), body=lambda w: {"direction": "up"}),
    # The operator's control page: driving the current item.
    Case("GET", "agenda.control", lambda w: C.format(w=w) + "/control", page("drive", 200)),
    Case("POST", "agenda.drive", lambda w: C.format(w=w) + "/control/start", page("drive", 302),
         body=lambda w: {"item_id": w.items[2].id}, label="start"),
    Case("POST", "agenda.drive", lambda w: C.format(w=w) + "/control/next", page("drive", 302),
         label="next"),
    Case("POST", "agenda.drive", lambda w: C.format(w=w) + "/control/previous",
         page("drive", 302), label="previous", setup=_current_second_item),
    Case("POST", "agenda.drive", lambda w: C.format(w=w) + "/control/clear", page("drive", 302),
         label="clear", setup=_current_second_item),
    Case("POST", "agenda.drive", lambda w: C.format(w=w) + "/control/jump", page("drive", 404),
         label="unknown action"),
    # The API.
    Case("GET", "api.openapi", lambda w: "/api/v1/openapi.json", everyone(200)),
    Case("GET", "api.list_congresses", lambda w: "/api/v1/congresses",
         everyone(200, anonymous=401)),
    Case("POST", "api.create_congress", lambda w: "/api/v1/congresses", creators_only(201, 401),
         body=lambda w: {"name": "Đại hội XIII", "starts_on": "2028-03-01",
                         "ends_on": "2028-03-02"}),
    Case("GET", "api.get_congress", lambda w: f"/api/v1/congresses/{w.congress.id}",
         api("view", 200)),
    Case("PATCH", "api.update_congress", lambda w: f"/api/v1/congresses/{w.congress.id}",
         api("edit", 200), body=lambda w: {"venue": "Cung Văn hóa Lao động"}),
    Case("GET", "api.get_agenda", lambda w: f"/api/v1/congresses/{w.congress.id}/agenda",
         api("view", 200)),
    Case("POST", "api.arrange", lambda w: f"/api/v1/congresses/{w.congress.id}/agenda/arrange",
         api("edit", 200), body=_layout),
    Case("POST", "api.set_current",
         lambda w: f"/api/v1/congresses/{w.congress.id}/agenda/current", api("drive", 200),
         body=lambda w: {"item_id": w.items[2].id}, label="start"),
    Case("POST", "api.set_current",
         lambda w: f"/api/v1/congresses/{w.congress.id}/agenda/current", api("drive", 200),
         body=lambda w: {"item_id": None}, label="clear", setup=_current_second_item),
    Case("POST", "api.next_item", lambda w: f"/api/v1/congresses/{w.congress.id}/agenda/next",
         api("drive", 200)),
    Case("POST", "api.previous_item",
         lambda w: f"/api/v1/congresses/{w.congress.id}/agenda/previous", api("drive", 200),
         setup=_current_second_item),
    Case("POST", "api.create_session",
         lambda w: f"/api/v1/congresses/{w.congress.id}/sessions", api("edit", 201),
         body=lambda w: SESSION_JSON),
    Case("PATCH", "api.update_session", lambda w: f"/api/v1/sessions/{w.sessions[0].id}",
         api("edit", 200), body=lambda w: {"room": "Hội trường B"}),
    Case("DELETE", "api.delete_session", lambda w: f"/api/v1/sessions/{w.sessions[0].id}",
         api("edit", 204)),
    Case("POST", "api.create_item", lambda w: f"/api/v1/sessions/{w.sessions[0].id}/items",
         api("edit", 201), body=lambda w: {"title": "Phát biểu chỉ đạo"}),
    Case("PATCH", "api.update_item", lambda w: f"/api/v1/items/{w.items[0].id}",
         api("edit", 200), body=lambda w: {"presenter": "Chủ tịch Công đoàn"}),
    Case("DELETE", "api.delete_item", lambda w: f"/api/v1/items/{w.items[0].id}",
         api("edit", 204)),
    # Attendance: every staff role sees the dashboard, its details, the report and the API.
    Case("GET", "attendance.dashboard", lambda w: C.format(w=w) + "/attendance",
         page("attendance", 200)),
    Case("GET", "attendance.details", lambda w: C.format(w=w) + "/attendance/details",
         page("attendance", 200)),
    Case("GET", "attendance.report_pdf", lambda w: C.format(w=w) + "/attendance/report.pdf",
         page("attendance", 200)),
    Case("GET", "attendance.report_csv", lambda w: C.format(w=w) + "/attendance/report.csv",
         page("attendance", 200)),
    Case("GET", "api.get_attendance",
         lambda w: f"/api/v1/congresses/{w.congress.id}/attendance", api("attendance", 200)),
    Case("GET", "attendance.credentials", lambda w: C.format(w=w) + "/credentials",
         page("attendance", 200)),
    Case("GET", "api.get_credentials",
         lambda w: f"/api/v1/congresses/{w.congress.id}/credentials", api("attendance", 200)),
    # Delegates: organizers edit and import; check-in staff see the list and one delegate.
    Case("GET", "delegates.index", lambda w: C.format(w=w) + "/delegates",
         page("delegates_view", 200)),
    Case("GET", "delegates.new", lambda w: C.format(w=w) + "/delegates/new",
         page("delegates", 200)),
    Case("POST", "delegates.new", lambda w: C.format(w=w) + "/delegates/new",
         page("delegates", 302), body=lambda w: DELEGATE_FORM),
    Case("GET", "delegates.detail", lambda w: f"/manage/delegates/{w.delegate.id}",
         page("delegates_view", 200)),
    Case("GET", "delegates.edit", lambda w: f"/manage/delegates/{w.delegate.id}/edit",
         page("delegates", 200)),
    Case("POST", "delegates.edit", lambda w: f"/manage/delegates/{w.delegate.id}/edit",
         page("delegates", 302), body=lambda w: DELEGATE_FORM | {"code": "DB0100"}),
    Case("POST", "delegates.withdraw", lambda w: f"/manage/delegates/{w.delegate.id}/withdraw",
         page("delegates", 302)),
    Case("POST", "delegates.delete", lambda w: f"/manage/delegates/{w.delegate.id}/delete",
         page("delegates", 302)),
    Case("POST", "delegates.reissue", lambda w: f"/manage/delegates/{w.delegate.id}/reissue",
         page("delegates", 302)),
    Case("POST", "delegates.upload_photo", lambda w: f"/manage/delegates/{w.delegate.id}/photo",
         page("delegates", 302), body=lambda w: {"photo": (io.BytesIO(PHOTO), "photo.png")}),
    Case("POST", "delegates.delete_photo",
         lambda w: f"/manage/delegates/{w.delegate.id}/photo/delete", page("delegates", 302),
         setup=_give_photo),
    Case("GET", "delegates.photo", lambda w: f"/manage/delegates/{w.delegate.id}/photo.jpg",
         page("delegates_view", 200), setup=_give_photo),
    Case("GET", "delegates.import_upload", lambda w: C.format(w=w) + "/delegates/import",
         page("delegates", 200)),
    Case("POST", "delegates.import_upload", lambda w: C.format(w=w) + "/delegates/import",
         page("delegates", 302),
         body=lambda w: {"file": (io.BytesIO(DELEGATE_CSV), "danh-sach.csv")}),
    Case("GET", "delegates.import_job",
         lambda w: C.format(w=w) + f"/delegates/import/{w.job.id}", page("delegates", 200),
         setup=_checked_list),
    Case("POST", "delegates.import_confirm",
         lambda w: C.format(w=w) + f"/delegates/import/{w.job.id}/confirm",
         page("delegates", 302), setup=_checked_list),
    Case("GET", "delegates.import_template",
         lambda w: C.format(w=w) + "/delegates/import/template.xlsx", page("delegates", 200)),
    Case("GET", "delegates.category_list", lambda w: C.format(w=w) + "/delegates/categories",
         page("delegates", 200)),
    Case("GET", "delegates.category_new", lambda w: C.format(w=w) + "/delegates/categories/new",
         page("delegates", 200)),
    Case("POST", "delegates.category_new",
         lambda w: C.format(w=w) + "/delegates/categories/new", page("delegates", 302),
         body=lambda w: {"label_vi": "Đại biểu dự khuyết", "label_en": "Alternate",
                         "words": "Dự khuyết"}),
    Case("GET", "delegates.category_edit",
         lambda w: C.format(w=w) + f"/delegates/categories/{_category_id(w)}",
         page("delegates", 200), setup=_first_category),
    Case("POST", "delegates.category_edit",
         lambda w: C.format(w=w) + f"/delegates/categories/{_category_id(w)}",
         page("delegates", 302), setup=_first_category,
         body=lambda w: {"label_vi": "Đại biểu chính thức", "label_en": "Official delegate",
                         "words": "ĐBCT"}),
    Case("GET", "delegates.export", lambda w: C.format(w=w) + "/delegates/export.csv",
         page("delegates", 200), label="csv"),
    Case("GET", "delegates.export", lambda w: C.format(w=w) + "/delegates/export.xlsx",
         page("delegates", 200), label="xlsx"),
    Case("POST", "api.create_delegate", lambda w: f"/api/v1/congresses/{w.congress.id}/delegates",
         api("delegates", 201), body=lambda w: {"full_name": "Trần Thị Mai"}),
    Case("GET", "api.list_delegates", lambda w: f"/api/v1/congresses/{w.congress.id}/delegates",
         api("delegates_view", 200)),
    Case("GET", "api.get_delegate", lambda w: f"/api/v1/delegates/{w.delegate.id}",
         api("delegates_view", 200)),
    Case("PATCH", "api.update_delegate", lambda w: f"/api/v1/delegates/{w.delegate.id}",
         api("delegates", 200), body=lambda w: {"seat": "B12"}),
    Case("DELETE", "api.delete_delegate", lambda w: f"/api/v1/delegates/{w.delegate.id}",
         api("delegates", 200)),
    # The table sends JSON, so the allowed roles get "no file" (422); the upload itself (202
    # with its job) is tested in tests/test_delegates_api.py.
    Case("POST", "api.import_delegates",
         lambda w: f"/api/v1/congresses/{w.congress.id}/delegates/import",
         api("delegates", 422), label="no file"),
]


# Check-in at the door and the badge portal (w.delegate's badge).


def _badge(w: SimpleNamespace) -> None:
    from conference.badges.identity import badge_token

    w.token = badge_token(w.delegate)


def _checked_in(w: SimpleNamespace) -> None:
    from conference.checkin.service import check_in_delegate

    w.checkin = check_in_delegate(Actor(w.users["admin"]), w.delegate, gate="Cổng A").checkin


def _token(w: SimpleNamespace) -> str:
    return getattr(w, "token", "A" * 22)


def _checkin_id(w: SimpleNamespace) -> int:
    return w.checkin.id if hasattr(w, "checkin") else 9


def _badge_with_photo(w: SimpleNamespace) -> None:
    _badge(w)
    _give_photo(w)


CASES += [
    Case("GET", "portal.badge", lambda w: f"/b/{_token(w)}", everyone(200), setup=_badge),
    Case("GET", "portal.photo", lambda w: f"/b/{_token(w)}/photo.jpg", everyone(200),
         setup=_badge_with_photo),
    Case("GET", "portal.presence", lambda w: f"/b/{_token(w)}/presence", everyone(200),
         setup=_badge),
    Case("GET", "checkin.scanner", lambda w: C.format(w=w) + "/checkin", page("checkin", 200)),
    Case("POST", "checkin.scanner", lambda w: C.format(w=w) + "/checkin", page("checkin", 200),
         body=lambda w: {"scan": f"https://daihoi.example.vn/b/{w.token}", "gate": "Cổng A"},
         setup=_badge),
    Case("POST", "checkin.scan", lambda w: C.format(w=w) + "/checkin/scan",
         page("checkin", 201), body=lambda w: {"scan": w.token, "gate": "Cổng A"}, json=True,
         setup=_badge),
    Case("GET", "checkin.manifest", lambda w: C.format(w=w) + "/checkin/manifest",
         page("checkin", 200), setup=_badge),
    Case("POST", "checkin.batch", lambda w: C.format(w=w) + "/checkin/batch",
         page("checkin", 200), json=True, setup=_badge,
         body=lambda w: {"items": [{"scan": w.token, "nonce": "page-gate-0001",
                                    "scanned_at": "2023-09-28T07:55:00+07:00"}]}),
    Case("GET", "checkin.search", lambda w: C.format(w=w) + "/checkin/search",
         page("checkin", 200)),
    Case("POST", "checkin.undo", lambda w: f"/manage/checkins/{_checkin_id(w)}/undo",
         page("checkin", 302), setup=_checked_in),
    Case("POST", "api.create_checkin", lambda w: f"/api/v1/congresses/{w.congress.id}/checkins",
         api("checkin", 201), body=lambda w: {"scan": w.token, "gate": "Cổng A"},
         setup=_badge),
    Case("POST", "api.create_offline_checkins",
         lambda w: f"/api/v1/congresses/{w.congress.id}/checkins/batch", api("checkin", 200),
         body=lambda w: {"items": [{"scan": w.token, "nonce": "gate-a-000001",
                                    "scanned_at": "2023-09-28T07:55:00+07:00"}]},
         setup=_badge),
    Case("GET", "api.gate_manifest",
         lambda w: f"/api/v1/congresses/{w.congress.id}/checkins/manifest", api("checkin", 200),
         setup=_badge),
    Case("DELETE", "api.delete_checkin", lambda w: f"/api/v1/checkins/{_checkin_id(w)}",
         api("checkin", 204), setup=_checked_in),
]


# Badges: organizers print in bulk and reissue; check-in staff print one badge at the desk.


def _print_run(w: SimpleNamespace) -> None:
    """A finished badge print run of the congress under test, with its PDF kept."""
    from conference.jobs.models import Job, JobStatus
    from conference.jobs.service import results_dir

    (results_dir() / "roles-badges.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    w.job = Job(congress_id=w.congress.id, kind="badges", params={}, status=JobStatus.DONE,
                done=1, total=1, result_file="roles-badges.pdf", result={"badges": 1})
    db.session.add(w.job)
    db.session.commit()


CASES += [
    Case("GET", "badges.print_badges", lambda w: C.format(w=w) + "/badges",
         page("delegates", 200)),
    Case("POST", "badges.print_badges", lambda w: C.format(w=w) + "/badges",
         page("delegates", 302), body=lambda w: {"layout": "sheet", "lang": "vi"}),
    Case("GET", "badges.delegate_badge", lambda w: f"/manage/delegates/{w.delegate.id}/badge.pdf",
         page("delegates_view", 200)),
    Case("GET", "jobs.status", lambda w: f"/manage/jobs/{w.job.id}", page("delegates", 200),
         setup=_print_run),
    Case("GET", "jobs.view", lambda w: f"/manage/jobs/{w.job.id}/view", page("delegates", 200),
         setup=_print_run),
    Case("GET", "jobs.result", lambda w: f"/manage/jobs/{w.job.id}/result",
         page("delegates", 200), setup=_print_run),
    Case("GET", "api.congress_badges", lambda w: f"/api/v1/congresses/{w.congress.id}/badges.pdf",
         api("delegates", 200)),
    Case("GET", "api.get_job", lambda w: f"/api/v1/jobs/{w.job.id}", api("delegates", 200),
         setup=_print_run),
    Case("GET", "api.job_result", lambda w: f"/api/v1/jobs/{w.job.id}/result",
         api("delegates", 200), setup=_print_run),
    Case("GET", "api.delegate_badge", lambda w: f"/api/v1/delegates/{w.delegate.id}/badge.pdf",
         api("delegates_view", 200)),
    Case("POST", "api.reissue_delegate_badge",
         lambda w: f"/api/v1/delegates/{w.delegate.id}/badge/reissue", api("delegates", 200)),
]


# E-mail and letters to delegates: organizers only.


def _mail_ready(w: SimpleNamespace) -> None:
    """The delegate has an address and e-mail is set up (to a port where nobody listens)."""
    from flask import current_app

    from bench.serving import free_port

    current_app.config["CONFERENCE"].update({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "SMTP_SECURITY": "none",
        "MAIL_SENDER": "daihoi@example.vn", "MAIL_PER_MINUTE": 0})
    w.delegate.email = "truong@example.vn"
    db.session.commit()


CASES += [
    Case("GET", "mailings.index", lambda w: C.format(w=w) + "/mailings", page("delegates", 200)),
    Case("POST", "mailings.send", lambda w: C.format(w=w) + "/mailings/send",
         page("delegates", 302), body=lambda w: {"lang": "vi"}, setup=_mail_ready),
    Case("POST", "mailings.letters", lambda w: C.format(w=w) + "/mailings/letters",
         page("delegates", 302), body=lambda w: {"lang": "vi"}),
    Case("POST", "api.start_mailing", lambda w: f"/api/v1/congresses/{w.congress.id}/mailings",
         api("delegates", 202), body=lambda w: {"lang": "vi"}, setup=_mail_ready),
    Case("POST", "api.start_letters", lambda w: f"/api/v1/congresses/{w.congress.id}/letters",
         api("delegates", 202), body=lambda w: {"lang": "vi"}),
    Case("GET", "api.list_deliveries",
         lambda w: f"/api/v1/congresses/{w.congress.id}/deliveries", api("delegates", 200)),
]


# Livestreams: organizers add, edit and print posters; operators flip the status.


def _stream(w: SimpleNamespace) -> None:
    from conference.streams.models import Stream

    w.stream = Stream(congress_id=w.congress.id, platform="youtube", title="Khai mạc",
                      url="https://youtu.be/dQw4w9WgXcQ", position=1)
    db.session.add(w.stream)
    db.session.commit()


def _stream_path(tail: str = "") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/manage/streams/{getattr(w, 'stream', w.items[0]).id}{tail}"


def _api_stream(w: SimpleNamespace) -> str:
    return f"/api/v1/streams/{getattr(w, 'stream', w.items[0]).id}"


STREAM_FORM = {"platform": "", "url": "https://youtu.be/dQw4w9WgXcQ", "title": "Bế mạc",
               "session_id": "", "scheduled_start": "", "status": "scheduled",
               "replay_url": "", "position": ""}
CASES += [
    Case("GET", "streams.public_fragment", lambda w: f"/c/{w.congress.slug}/streams-fragment",
         everyone(200), setup=_stream),
    Case("GET", "streams.manage", lambda w: C.format(w=w) + "/streams", page("drive", 200),
         setup=_stream),
    Case("GET", "streams.new", lambda w: C.format(w=w) + "/streams/new", page("edit", 200)),
    Case("POST", "streams.new", lambda w: C.format(w=w) + "/streams/new", page("edit", 302),
         body=lambda w: STREAM_FORM),
    Case("GET", "streams.edit", _stream_path("/edit"), page("edit", 200), setup=_stream),
    Case("POST", "streams.edit", _stream_path("/edit"), page("edit", 302),
         body=lambda w: STREAM_FORM, setup=_stream),
    Case("POST", "streams.delete", _stream_path("/delete"), page("edit", 302), setup=_stream),
    Case("POST", "streams.set_status", _stream_path("/status"), page("drive", 302),
         body=lambda w: {"status": "live"}, setup=_stream),
    Case("GET", "streams.qr_code", _stream_path("/qr.png"), page("drive", 200), setup=_stream),
    Case("GET", "streams.congress_poster", lambda w: C.format(w=w) + "/poster.pdf",
         page("edit", 200)),
    Case("GET", "streams.stream_poster", _stream_path("/poster.pdf"), page("edit", 200),
         setup=_stream),
    Case("POST", "api.create_stream", lambda w: f"/api/v1/congresses/{w.congress.id}/streams",
         api("edit", 201), body=lambda w: {"platform": "other", "url": "https://laodong.vn/"}),
    Case("GET", "api.list_streams", lambda w: f"/api/v1/congresses/{w.congress.id}/streams",
         api("view", 200), setup=_stream),
    Case("GET", "api.get_stream", _api_stream, api("view", 200), setup=_stream),
    Case("PATCH", "api.update_stream", _api_stream, api("drive", 200), label="status",
         body=lambda w: {"status": "live", "replay_url": ""}, setup=_stream),
    Case("PATCH", "api.update_stream", _api_stream, api("edit", 200), label="title",
         body=lambda w: {"title": "Bế mạc"}, setup=_stream),
    Case("DELETE", "api.delete_stream", _api_stream, api("edit", 204), setup=_stream),
]


# Documents: organizers manage them, read the log and the comments; delegates read and comment
# through their badge, the public reads public ones.

PDF = b"%PDF-1.4\n%%EOF\n"
DOCUMENT_FORM = {"title": "Dự thảo Báo cáo chính trị", "category": "political_report",
                 "visibility": "public", "status": "draft", "session_id": ""}


def _document(w: SimpleNamespace) -> None:
    from conference.documents.service import create_document, send_comment

    _badge(w)
    w.document = create_document(Actor(w.users["admin"]), w.congress, dict(DOCUMENT_FORM),
                                 "bao-cao.pdf", PDF)
    w.comment = send_comment(Actor(None), w.delegate, w.document.id, {"text": "Góp ý"})


def _picture_document(w: SimpleNamespace) -> None:
    """A public document whose file is an image, so it has a thumbnail."""
    from conference.documents.service import create_document

    w.document = create_document(Actor(w.users["admin"]), w.congress, dict(DOCUMENT_FORM),
                                 "so-do.png", PHOTO)


def _document_id(w: SimpleNamespace) -> int:
    return w.document.id if hasattr(w, "document") else 99


def _comment_id(w: SimpleNamespace) -> int:
    return w.comment.id if hasattr(w, "comment") else 99


D = "/manage/documents/{id}"
CASES += [
    Case("GET", "documents.index", lambda w: C.format(w=w) + "/documents", page("edit", 200)),
    Case("POST", "documents.upload", lambda w: C.format(w=w) + "/documents", page("edit", 302),
         body=lambda w: DOCUMENT_FORM | {"file": (io.BytesIO(PDF), "bao-cao.pdf")}),
    Case("GET", "documents.edit", lambda w: D.format(id=_document_id(w)) + "/edit",
         page("edit", 200), setup=_document),
    Case("POST", "documents.edit", lambda w: D.format(id=_document_id(w)) + "/edit",
         page("edit", 302), body=lambda w: DOCUMENT_FORM, setup=_document),
    Case("POST", "documents.new_version", lambda w: D.format(id=_document_id(w)) + "/versions",
         page("edit", 302), body=lambda w: {"file": (io.BytesIO(PDF), "v2.pdf")},
         setup=_document),
    Case("POST", "documents.delete", lambda w: D.format(id=_document_id(w)) + "/delete",
         page("edit", 302), setup=_document),
    Case("GET", "documents.version_file", lambda w: D.format(id=_document_id(w)) + "/versions/1",
         page("edit", 200), setup=_document),
    Case("GET", "documents.thumbnail", lambda w: D.format(id=_document_id(w)) + "/thumbnail.png",
         page("edit", 200), setup=_picture_document),
    Case("GET", "documents.public_thumbnail",
         lambda w: f"/c/{w.congress.slug}/documents/{_document_id(w)}/thumbnail.png",
         everyone(200), setup=_picture_document),
    Case("GET", "documents.reads", lambda w: C.format(w=w) + "/documents/reads",
         page("edit", 200)),
    Case("GET", "documents.reads_csv", lambda w: C.format(w=w) + "/documents/reads.csv",
         page("edit", 200)),
    Case("GET", "documents.comments", lambda w: C.format(w=w) + "/comments", page("edit", 200),
         setup=_document),
    Case("POST", "documents.comment_handled",
         lambda w: f"/manage/comments/{_comment_id(w)}/handled", page("edit", 302),
         body=lambda w: {"handled": "1"}, setup=_document),
    Case("GET", "documents.comments_export", lambda w: C.format(w=w) + "/comments.csv",
         page("edit", 200), label="csv", setup=_document),
    Case("GET", "documents.comments_export", lambda w: C.format(w=w) + "/comments.xlsx",
         page("edit", 200), label="xlsx", setup=_document),
    Case("GET", "documents.public_file",
         lambda w: f"/c/{w.congress.slug}/documents/{_document_id(w)}", everyone(200),
         setup=_document),
    Case("GET", "portal.portal_file", lambda w: f"/b/{_token(w)}/documents/{_document_id(w)}",
         everyone(200), setup=_document),
    Case("GET", "portal.portal_comment",
         lambda w: f"/b/{_token(w)}/documents/{_document_id(w)}/comment", everyone(200),
         setup=_document),
    Case("POST", "portal.portal_comment",
         lambda w: f"/b/{_token(w)}/documents/{_document_id(w)}/comment", everyone(303),
         body=lambda w: {"text": "Đề nghị bổ sung số liệu", "section": "Phần II"},
         setup=_document),
    # The table sends JSON, so the allowed roles get "no file" (422); uploads are tested in
    # tests/test_documents_api.py.
    Case("POST", "api.create_document", lambda w: f"/api/v1/congresses/{w.congress.id}/documents",
         api("edit", 422), label="no file"),
    Case("GET", "api.list_documents", lambda w: f"/api/v1/congresses/{w.congress.id}/documents",
         api("edit", 200), setup=_document),
    Case("POST", "api.create_version", lambda w: f"/api/v1/documents/{_document_id(w)}/versions",
         api("edit", 422), label="no file", setup=_document),
    Case("GET", "api.document_reads", lambda w: f"/api/v1/documents/{_document_id(w)}/reads",
         api("edit", 200), setup=_document),
    Case("GET", "api.list_comments", lambda w: f"/api/v1/congresses/{w.congress.id}/comments",
         api("edit", 200), setup=_document),
]


# Screens: operators and organizers set them up and drive them; the images are public.


def _screens(w: SimpleNamespace) -> None:
    from conference.displays import service as displays

    admin = Actor(w.users["admin"])
    w.screen = displays.create_screen(admin, w.congress, {"name": "LED", "width": 1920,
                                                          "height": 1080})
    w.scene = displays.create_scene(admin, w.congress, {"name": "Đồng hồ",
                                                        "scene": {"type": "clock"}})
    w.playlist = displays.create_playlist(admin, w.congress, {
        "name": "Vòng", "entries": [{"scene_id": w.scene.id, "duration": 10}]})
    w.image = displays.store_image(admin, w.congress, PHOTO)


def _screen_api(tail: str = "") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/api/v1/screens/{getattr(w, 'screen', w.items[0]).id}{tail}"


def _kiosk_token(w: SimpleNamespace) -> str:
    from conference.displays.service import kiosk_token

    return kiosk_token(w.screen) if hasattr(w, "screen") else "x" * 22


def _scene_api(w: SimpleNamespace) -> str:
    return f"/api/v1/scenes/{getattr(w, 'scene', w.items[0]).id}"


def _playlist_api(w: SimpleNamespace) -> str:
    return f"/api/v1/playlists/{getattr(w, 'playlist', w.items[0]).id}"


def _congress_api(tail: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/api/v1/congresses/{w.congress.id}{tail}"


SCENE = {"type": "announcement", "title": "Giải lao", "body": "15 phút"}
SCREEN_FORM = {"name": "Hội trường", "width": "1920", "height": "1080", "group_name": ""}
SCENE_FORM = {"name": "Giải lao", "title": "Giải lao", "body": "15 phút", "action": "save"}


def _screen_page(tail: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/manage/screens/{getattr(w, 'screen', w.items[0]).id}{tail}"


def _page_of(kind: str, w: SimpleNamespace, name: str, tail: str) -> str:
    return f"/manage/{kind}/{getattr(w, name, w.items[0]).id}{tail}"


def _playlist_form(w: SimpleNamespace) -> dict:
    return {"name": "Vòng", "scene_id": [str(w.scene.id)], "duration": ["10"]}
CASES += [
    Case("GET", "displays.service_worker", lambda w: "/k/kiosk-sw.js", everyone(200)),
    Case("GET", "displays.kiosk", lambda w: f"/k/{_kiosk_token(w)}", everyone(200),
         setup=_screens),
    Case("GET", "displays.image", lambda w: f"/screen-images/{getattr(w, 'image', 'x')}",
         everyone(200), setup=_screens),
    # JSON, so the allowed roles get "no file" (422); uploads are tested in test_displays.py.
    Case("POST", "api.upload_image", _congress_api("/screen-images"), api("drive", 422),
         label="no file"),
    Case("GET", "displays.console", lambda w: C.format(w=w) + "/screens", page("drive", 200),
         setup=_screens),
    Case("POST", "displays.control", lambda w: C.format(w=w) + "/screens/control",
         page("drive", 302), setup=_screens,
         body=lambda w: {"target": "all", "action": "blackout"}),
    Case("GET", "displays.new_screen", lambda w: C.format(w=w) + "/screens/new",
         page("drive", 200)),
    Case("POST", "displays.new_screen", lambda w: C.format(w=w) + "/screens/new",
         page("drive", 302), body=lambda w: SCREEN_FORM),
    Case("GET", "displays.edit_screen", _screen_page("/edit"), page("drive", 200),
         setup=_screens),
    Case("POST", "displays.edit_screen", _screen_page("/edit"), page("drive", 302),
         setup=_screens, body=lambda w: SCREEN_FORM),
    Case("POST", "displays.delete_screen", _screen_page("/delete"), page("drive", 302),
         setup=_screens),
    Case("POST", "displays.new_kiosk_url", _screen_page("/kiosk-url"), page("drive", 302),
         setup=_screens),
    Case("GET", "displays.new_scene", lambda w: C.format(w=w) + "/scenes/new/announcement",
         page("drive", 200)),
    Case("POST", "displays.new_scene", lambda w: C.format(w=w) + "/scenes/new/announcement",
         page("drive", 302), body=lambda w: SCENE_FORM),
    Case("GET", "displays.edit_scene", lambda w: _page_of("scenes", w, "scene", "/edit"),
         page("drive", 200), setup=_screens),
    Case("POST", "displays.edit_scene", lambda w: _page_of("scenes", w, "scene", "/edit"),
         page("drive", 302), setup=_screens, body=lambda w: SCENE_FORM),
    Case("POST", "displays.delete_scene", lambda w: _page_of("scenes", w, "scene", "/delete"),
         page("drive", 302), setup=_screens),
    Case("GET", "displays.new_playlist", lambda w: C.format(w=w) + "/playlists/new",
         page("drive", 200)),
    Case("POST", "displays.new_playlist", lambda w: C.format(w=w) + "/playlists/new",
         page("drive", 302), setup=_screens, body=_playlist_form),
    Case("GET", "displays.edit_playlist",
         lambda w: _page_of("playlists", w, "playlist", "/edit"), page("drive", 200),
         setup=_screens),
    Case("POST", "displays.edit_playlist",
         lambda w: _page_of("playlists", w, "playlist", "/edit"), page("drive", 302),
         setup=_screens, body=_playlist_form),
    Case("POST", "displays.delete_playlist",
         lambda w: _page_of("playlists", w, "playlist", "/delete"), page("drive", 302),
         setup=_screens),
    Case("POST", "api.create_screen", _congress_api("/screens"), api("drive", 201),
         body=lambda w: {"name": "Hội trường", "width": 1920, "height": 1080}),
    Case("GET", "api.list_screens", _congress_api("/screens"), api("drive", 200),
         setup=_screens),
    Case("GET", "api.get_screen", _screen_api(), api("drive", 200), setup=_screens),
    Case("PATCH", "api.update_screen", _screen_api(), api("drive", 200), setup=_screens,
         body=lambda w: {"name": "Ngoài trời"}),
    Case("DELETE", "api.delete_screen", _screen_api(), api("drive", 204), setup=_screens),
    Case("POST", "api.regenerate_kiosk_url", _screen_api("/kiosk-url"), api("drive", 200),
         setup=_screens),
    Case("GET", "api.get_screen_state", _screen_api("/state"), api("drive", 200),
         setup=_screens),
    Case("POST", "api.take", _screen_api("/take"), api("drive", 200), setup=_screens,
         body=lambda w: {"scene": SCENE}),
    Case("POST", "api.resume_playlist", _screen_api("/playlist"), api("drive", 200),
         setup=_screens, body=lambda w: {"playlist_id": w.playlist.id}),
    Case("POST", "api.blackout", _screen_api("/blackout"), api("drive", 200), setup=_screens),
    Case("POST", "api.flash", _screen_api("/flash"), api("drive", 200), setup=_screens,
         body=lambda w: {"text": "Mời đại biểu vào hội trường", "seconds": 30}),
    Case("POST", "api.next_step", _screen_api("/next"), api("drive", 409), setup=_screens),
    Case("POST", "api.previous_step", _screen_api("/previous"), api("drive", 409),
         setup=_screens),
    Case("POST", "api.take_all", _congress_api("/screens/take"), api("drive", 200),
         setup=_screens, body=lambda w: {"scene": SCENE}),
    Case("POST", "api.blackout_all", _congress_api("/screens/blackout"), api("drive", 200),
         setup=_screens),
    Case("POST", "api.resume_playlist_all", _congress_api("/screens/playlist"),
         api("drive", 200), setup=_screens, body=lambda w: {"playlist_id": w.playlist.id}),
    Case("POST", "api.create_scene", _congress_api("/scenes"), api("drive", 201),
         body=lambda w: {"name": "Chào", "scene": SCENE}),
    Case("GET", "api.list_scenes", _congress_api("/scenes"), api("drive", 200),
         setup=_screens),
    Case("PATCH", "api.update_scene", _scene_api,
         api("drive", 200), setup=_screens, body=lambda w: {"name": "Giờ"}),
    Case("DELETE", "api.delete_scene", _scene_api,
         api("drive", 204), setup=_screens),
    Case("POST", "api.create_playlist", _congress_api("/playlists"), api("drive", 201),
         setup=_screens,
         body=lambda w: {"name": "Vòng", "entries": [{"scene_id": w.scene.id,
                                                      "duration": 10}]}),
    Case("GET", "api.list_playlists", _congress_api("/playlists"), api("drive", 200),
         setup=_screens),
    Case("PATCH", "api.update_playlist", _playlist_api,
         api("drive", 200), setup=_screens, body=lambda w: {"name": "Vòng 2"}),
    Case("DELETE", "api.delete_playlist", _playlist_api,
         api("drive", 204), setup=_screens),
]


def _speaker(w: SimpleNamespace) -> None:
    from conference.speakers.service import add_speaker

    w.speaker = add_speaker(SYSTEM, w.items[0], {"name": "Nguyễn Văn An"})


def _speaking(w: SimpleNamespace) -> None:
    from conference.speakers.service import start_speaker

    _speaker(w)
    start_speaker(SYSTEM, w.speaker)


def _speaker_id(w: SimpleNamespace) -> int:
    return w.speaker.id if hasattr(w, "speaker") else 8


SPEAKERS = "/manage/items/{w.items[0].id}/speakers"
SPEAKER = "/manage/speakers/{id}/"
SPEAKERS_API = "/api/v1/items/{w.items[0].id}/speakers"
CASES += [
    Case("GET", "speakers.console", lambda w: C.format(w=w) + "/speakers",
         page("proceedings", 200), setup=_speaker),
    Case("GET", "speakers.list_fragment", lambda w: SPEAKERS.format(w=w),
         page("proceedings", 200), setup=_speaker),
    Case("GET", "speakers.delegates_found", lambda w: SPEAKERS.format(w=w) + "/delegates",
         page("proceedings", 200)),
    Case("POST", "speakers.add", lambda w: SPEAKERS.format(w=w), page("proceedings", 302),
         body=lambda w: {"name": "Nguyễn Văn An", "unit": "LĐLĐ huyện Kỳ Anh", "minutes": "5"}),
    *[Case("POST", "speakers.list_action", lambda w, a=action: SPEAKERS.format(w=w) + f"/{a}",
           page("proceedings", 302), label=action, setup=_speaker,
           body=lambda w: {"floor_minutes": "3", "registered_minutes": "7"})
      for action in ("next", "close", "reopen", "settings")],
    Case("POST", "speakers.list_action", lambda w: SPEAKERS.format(w=w) + "/dance",
         page("proceedings", 404), label="unknown"),
    *[Case("POST", "speakers.speaker_action",
           lambda w, a=action: SPEAKER.format(id=_speaker_id(w)) + a, page("proceedings", 302),
           label=action, setup=_speaking if action == "pause" else _speaker,
           body=lambda w: {"minutes": "4"})
      for action in ("start", "pause", "stop", "up", "down", "remove", "time")],
    Case("GET", "speakers_portal.portal_panel", lambda w: f"/b/{_token(w)}/speakers",
         everyone(200), setup=_badge),
    # Nothing is under way in the world: refused alike for everyone (the token is the key).
    Case("POST", "speakers_portal.request_to_speak", lambda w: f"/b/{_token(w)}/speakers",
         everyone(409), setup=_badge),
    Case("POST", "speakers_portal.withdraw",
         lambda w: f"/b/{_token(w)}/speakers/{_speaker_id(w)}/withdraw", everyone(404),
         setup=lambda w: (_badge(w), _speaker(w))),
    Case("GET", "api.list_speakers", lambda w: SPEAKERS_API.format(w=w),
         api("proceedings", 200), setup=_speaker),
    Case("POST", "api.add_speaker", lambda w: SPEAKERS_API.format(w=w),
         api("proceedings", 201), body=lambda w: {"name": "Nguyễn Văn An", "unit": "Kỳ Anh"}),
    Case("POST", "api.call_next", lambda w: SPEAKERS_API.format(w=w) + "/next",
         api("proceedings", 200), setup=_speaker),
    Case("POST", "api.close_list", lambda w: SPEAKERS_API.format(w=w) + "/close",
         api("proceedings", 200)),
    Case("POST", "api.reopen_list", lambda w: SPEAKERS_API.format(w=w) + "/reopen",
         api("proceedings", 200)),
    Case("PATCH", "api.update_speaker", lambda w: f"/api/v1/speakers/{_speaker_id(w)}",
         api("proceedings", 200), setup=_speaker, body=lambda w: {"duration": 300}),
    Case("DELETE", "api.remove_speaker", lambda w: f"/api/v1/speakers/{_speaker_id(w)}",
         api("proceedings", 204), setup=_speaker),
    Case("POST", "api.start_speaker", lambda w: f"/api/v1/speakers/{_speaker_id(w)}/start",
         api("proceedings", 200), setup=_speaker),
    Case("POST", "api.pause_speaker", lambda w: f"/api/v1/speakers/{_speaker_id(w)}/pause",
         api("proceedings", 200), setup=_speaking),
    Case("POST", "api.stop_speaker", lambda w: f"/api/v1/speakers/{_speaker_id(w)}/stop",
         api("proceedings", 200), setup=_speaking),
    Case("POST", "api.move_speaker", lambda w: f"/api/v1/speakers/{_speaker_id(w)}/move",
         api("proceedings", 200), setup=_speaker, body=lambda w: {"direction": "down"}),
]


# Elections: organizers set them up; the counting committee (organizers here) counts.


def _election(w: SimpleNamespace) -> None:
    """An election with four ballots: one counted, one entered differently, one entered once
    (by the administrator), one not entered."""
    from conference.elections import service as elections

    admin, organizer = Actor(w.users["admin"]), Actor(w.users["organizer"])
    w.election = elections.create_election(admin, w.congress, {
        "title": "Bầu Ban Chấp hành", "seats": 1, "candidates": ["Lê Văn An", "Hồ Thị Bình"]})
    w.batch = elections.issue_ballots(admin, w.election, {"count": 4})
    w.serials = elections.batch_serials(w.batch)
    first = w.election.candidates[0].id
    for actor, crossed in ((admin, [first]), (organizer, [first])):
        elections.record_entry(actor, w.election, {"serial": w.serials[0], "crossed": crossed})
    for actor, crossed in ((admin, [first]), (organizer, [])):
        elections.record_entry(actor, w.election, {"serial": w.serials[1], "crossed": crossed})
    w.lone = elections.record_entry(admin, w.election, {"serial": w.serials[2]}).entry
    w.mismatched = elections.ballot_states(w.election)[w.serials[1]].entries[0]


def _election_page(tail: str = "") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/manage/elections/{getattr(w, 'election', w.items[0]).id}{tail}"


def _election_api(tail: str = "") -> Callable[[SimpleNamespace], str]:
    return lambda w: f"/api/v1/elections/{getattr(w, 'election', w.items[0]).id}{tail}"


ELECTION_FORM = {"title": "Bầu Ban Chấp hành", "seats": "1",
                 "candidates": "Lê Văn An\nHồ Thị Bình", "majority_base": "valid"}
CASES += [
    Case("GET", "elections.index", lambda w: C.format(w=w) + "/elections", page("count", 200),
         setup=_election),
    Case("GET", "elections.new", lambda w: C.format(w=w) + "/elections/new",
         page("elections", 200)),
    Case("POST", "elections.new", lambda w: C.format(w=w) + "/elections/new",
         page("elections", 302), body=lambda w: ELECTION_FORM),
    Case("GET", "elections.edit", _election_page("/edit"), page("elections", 200),
         setup=_election),
    Case("POST", "elections.edit", _election_page("/edit"), page("elections", 302),
         setup=_election, body=lambda w: ELECTION_FORM | {"majority_base": "returned"}),
    Case("GET", "elections.detail", _election_page(), page("count", 200), setup=_election),
    Case("POST", "elections.issue", _election_page("/ballots"), page("elections", 200),
         setup=_election, body=lambda w: {"count": "1"}),
    Case("GET", "elections.batch_pdf",
         lambda w: f"/manage/elections/batches/{getattr(w, 'batch', w.items[0]).id}/ballots.pdf",
         page("elections", 200), setup=_election),
    Case("GET", "elections.count", _election_page("/count"), page("count", 200),
         setup=_election),
    Case("POST", "elections.enter", _election_page("/entries"), page("count", 302),
         setup=_election, body=lambda w: {"serial": w.serials[3], "crossed": []}),
    Case("GET", "elections.tally", _election_page("/tally"), page("count", 200),
         setup=_election),
    Case("GET", "elections.mismatches", _election_page("/mismatches"), page("head", 200),
         setup=_election),
    Case("POST", "elections.settle", _election_page("/settle"), page("head", 302),
         setup=_election,
         body=lambda w: {"serial": w.serials[1], "entry_id": str(w.mismatched.id)}),
    Case("POST", "elections.withdraw",
         lambda w: f"/manage/elections/entries/{getattr(w, 'lone', w.items[0]).id}/withdraw",
         page("count", 302), setup=_election),
    Case("GET", "elections.record_pdf", _election_page("/record.pdf"), page("count", 200),
         setup=_election),
    # Entries still wait: the head is answered with the reason, on the page.
    Case("POST", "elections.publish", _election_page("/publish"), page("head", 302),
         setup=_election),
    Case("POST", "api.create_election", _congress_api("/elections"), api("elections", 201),
         body=lambda w: {"title": "Bầu Ủy ban Kiểm tra", "seats": 1,
                         "candidates": ["Lê Văn An", w.delegate.id]}),
    Case("GET", "api.get_election", _election_api(), api("count", 200), setup=_election),
    Case("POST", "api.issue_ballots", _election_api("/ballots"), api("elections", 201),
         setup=_election, body=lambda w: {"count": 1}),
    Case("POST", "api.create_entry", _election_api("/entries"), api("count", 201),
         setup=_election, body=lambda w: {"serial": w.serials[3], "crossed": [],
                                          "clerk": "Bàn 1"}),
    Case("POST", "api.publish_election", _election_api("/publish"), api("head", 409),
         setup=_election),
]


# Votes: organizers and operators (the secretariat) run them; the portal's token is the key.


def _vote(w: SimpleNamespace, method: str = "phone", opened: bool = False) -> None:
    """A vote on the first item, whose session has the world's delegate checked in."""
    from conference.checkin.service import check_in_delegate
    from conference.votes import service as votes

    check_in_delegate(SYSTEM, w.delegate, session_id=w.items[0].session_id)
    w.vote = votes.create_vote(SYSTEM, w.items[0], {"question": "Thông qua chương trình",
                                                    "method": method})
    if opened:
        votes.open_vote(SYSTEM, w.vote)


def _vote_id(w: SimpleNamespace) -> int:
    return w.vote.id if hasattr(w, "vote") else 70


VOTE = "/manage/votes/{id}/"
VOTE_API = "/api/v1/votes/{id}/"
VOTE_FORM = {"question": "Thông qua quy chế", "method": "cards", "majority": "half",
             "base": "present"}
ZERO_COUNTS = {"for": 0, "against": 0, "abstain": 0}
CASES += [
    Case("GET", "votes.console", lambda w: C.format(w=w) + "/votes", page("proceedings", 200),
         setup=_vote),
    Case("POST", "votes.console", lambda w: C.format(w=w) + "/votes", page("proceedings", 302),
         body=lambda w: VOTE_FORM | {"item_id": w.items[0].id}),
    Case("POST", "votes.open_vote", lambda w: VOTE.format(id=_vote_id(w)) + "open",
         page("proceedings", 302), setup=_vote),
    Case("POST", "votes.enter_counts", lambda w: VOTE.format(id=_vote_id(w)) + "counts",
         page("proceedings", 302), setup=lambda w: _vote(w, "cards", opened=True),
         body=lambda w: ZERO_COUNTS),
    Case("POST", "votes.close_vote", lambda w: VOTE.format(id=_vote_id(w)) + "close",
         page("proceedings", 302), setup=lambda w: _vote(w, opened=True)),
    Case("POST", "votes.delete_vote", lambda w: VOTE.format(id=_vote_id(w)) + "delete",
         page("proceedings", 302), setup=_vote),
    Case("GET", "votes.export", lambda w: C.format(w=w) + "/votes/record.xlsx",
         page("proceedings", 200)),
    Case("GET", "votes_portal.panel", lambda w: f"/b/{_token(w)}/votes", everyone(200),
         setup=lambda w: (_badge(w), _vote(w, opened=True))),
    # A phone that never proved the badge's PIN: refused alike for everyone.
    Case("POST", "votes_portal.cast", lambda w: f"/b/{_token(w)}/votes/{_vote_id(w)}",
         everyone(403), setup=lambda w: (_badge(w), _vote(w, opened=True)), json=True,
         body=lambda w: {"choice": "for"}),
    Case("POST", "api.create_vote", lambda w: f"/api/v1/items/{w.items[0].id}/votes",
         api("proceedings", 201), body=lambda w: VOTE_FORM),
    Case("POST", "api.open_vote", lambda w: VOTE_API.format(id=_vote_id(w)) + "open",
         api("proceedings", 200), setup=_vote),
    Case("POST", "api.enter_counts", lambda w: VOTE_API.format(id=_vote_id(w)) + "counts",
         api("proceedings", 200), setup=lambda w: _vote(w, "cards", opened=True),
         body=lambda w: ZERO_COUNTS),
    Case("POST", "api.close_vote", lambda w: VOTE_API.format(id=_vote_id(w)) + "close",
         api("proceedings", 200), setup=lambda w: _vote(w, opened=True)),
    Case("GET", "api.get_vote", lambda w: VOTE_API.format(id=_vote_id(w)).rstrip("/"),
         api("proceedings", 200), setup=_vote),
]


# --- the world the table runs in -------------------------------------------------------------


@pytest.fixture
def world(one_transaction, create_congress, create_session, create_item, create_user):
    """The congress under test with one user per role, and another congress for the outsider,
    inside the test's one transaction (never committed)."""
    congress, sessions, items = make_agenda(create_congress, create_session, create_item)
    other = create_congress()
    create_item(create_session(other))
    users = {"admin": create_user("admin", admin=True),
             "outsider": create_user("outsider", role="organizer", congress=other)}
    for role in RIGHTS:
        users[role] = create_user(role, role=role, congress=congress)
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(
        code="DB0001", full_name="Nguyễn Văn Trường", unit="LĐLĐ huyện Cẩm Xuyên")))
    db.session.add(delegate)
    db.session.commit()
    return SimpleNamespace(congress=congress, sessions=sessions, items=items, other=other,
                           users=users, spare=create_user("spare"), delegate=delegate)


def sign_in(client, user) -> None:
    """Put the user in the session cookie as Flask-Login does (no slow password hash check)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


TABLES = ("congresses", "sessions", "agenda_items", "memberships", "users", "delegates",
          "checkins", "streams", "documents", "document_versions", "document_comments",
          "screens", "scenes", "playlists", "playlist_entries", "mail_deliveries",
          "offline_scans", "speaker_lists", "speakers", "elections", "election_candidates",
          "ballot_batches", "ballots", "ballot_entries", "ballot_settlements", "votes",
          "vote_roll", "vote_counts")


def _rows_as_text(name: str):
    """Each row of the table as one string of all its columns, with the table's name and id."""
    table = db.metadata.tables[name]
    values = [func.coalesce(cast(column, Text), "␀") for column in table.columns]
    return select(cast(literal(name), Text).label("table_name"), table.c.id,
                  functools.reduce(lambda joined, value: joined + "\x1f" + value, values))


@functools.cache
def _snapshot_query():
    return union_all(*map(_rows_as_text, TABLES)).order_by("table_name", "id")


def snapshot(connection) -> list:
    """Every row that a management request could change, as the database holds it now (one
    query: it runs twice for each refused request)."""
    return connection.execute(_snapshot_query()).all()


def is_refusal(status: int, location: str) -> bool:
    return status in (401, 403, 404) or (status == 302 and location.startswith("/login"))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_role_gets_the_expected_status(app, one_transaction, world, case):
    """The six roles take turns on one world; what each request did is rolled back after it."""
    failures = []
    for role in ROLES:
        with one_transaction.undone():
            limiter.reset()
            try:
                request_as(app, one_transaction.connection, world, case, role)
            except AssertionError as failure:
                failures.append(f"{role}: {failure}")
    assert not failures, "\n".join(failures)


def request_as(app, connection, world, case, role) -> None:
    if case.setup:
        case.setup(world)
    path = case.path(world)
    assert app.url_map.bind("localhost").match(path, method=case.method)[0] == case.endpoint
    client = app.test_client()
    headers = {}
    if role != "anonymous":
        if case.is_api:
            headers["Authorization"] = f"Bearer {create_api_token(None, world.users[role])[1]}"
        else:
            sign_in(client, world.users[role])
    body = case.body(world) if case.body else None
    payload = {"json": body} if (case.is_api or case.json) else {"data": body}
    expected = case.expect[role]
    # A refusal may be a redirect to the sign-in page: what may be one is checked below.
    may_be_refusal = case.method != "GET" and expected in (302, 401, 403, 404)
    before = snapshot(connection) if may_be_refusal else None

    response = client.open(path, method=case.method, headers=headers, **payload)

    assert response.status_code == expected, (
        f"{response.status_code} instead of {expected}: {response.get_data(as_text=True)[:200]}")
    location = response.headers.get("Location", "")
    if case.is_api and expected != 204:
        # Every API answer is JSON, but for the badge PDFs it was asked for.
        assert response.is_json or (expected < 300 and response.mimetype == "application/pdf")
        if expected >= 400:
            assert set(response.json) == {"error"}
    if role == "anonymous" and expected == 302 and case.endpoint not in (
            "site.set_language", "auth.login"):
        assert location.startswith("/login"), location
    if may_be_refusal and is_refusal(expected, location):
        assert snapshot(connection) == before, "a refused request changed the database"
    response.close()  # a served file stays open until then, as under a WSGI server


def test_every_route_is_in_the_table(app):
    served = {(method, rule.endpoint) for rule in app.url_map.iter_rules()
              if rule.endpoint not in UNTABLED_ENDPOINTS
              for method in rule.methods - IGNORED_METHODS}
    tabled = {(case.method, case.endpoint) for case in CASES}
    missing = served - tabled
    assert not missing, f"add these routes to CASES in tests/test_roles.py: {sorted(missing)}"
    assert not tabled - served, f"CASES names routes that do not exist: {tabled - served}"


def test_the_table_keeps_the_ground_rules():
    """Checks on the table itself, so a wrong row cannot quietly grant a right."""
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.id
    world = SimpleNamespace(congress=SimpleNamespace(id=7, slug="x"),
                            sessions=[SimpleNamespace(id=8)], items=[SimpleNamespace(id=9)] * 3,
                            spare=SimpleNamespace(id=10), delegate=SimpleNamespace(id=8),
                            job=SimpleNamespace(id=9))
    for case in CASES:
        path = case.path(world)
        if path.startswith("/admin/"):  # nobody but an administrator
            assert all(status >= 300 for role, status in case.expect.items()
                       if role != "admin"), case.id
        if re.search(r"/[789](/|$)", path):  # the congress under test: hidden from outsiders
            assert case.expect["outsider"] == 404, case.id
        if path.startswith("/api/") and case.endpoint != "api.openapi":
            assert case.expect["anonymous"] == 401, case.id
        if path.startswith("/manage"):
            assert case.expect["anonymous"] == 302, case.id


def test_operator_drives_the_agenda_on_the_page_and_the_api(app, world):
    congress, items = world.congress, world.items
    page_client = app.test_client()
    sign_in(page_client, world.users["operator"])
    page_client.post(f"/manage/{congress.id}/control/start", data={"item_id": items[1].id})
    page_client.post(f"/manage/{congress.id}/control/next")

    def current():
        db.session.expire_all()
        return congress.current_item_id

    assert current() == items[2].id
    token = create_api_token(None, world.users["operator"])[1]
    api_client = app.test_client()
    response = api_client.post(f"/api/v1/congresses/{congress.id}/agenda/previous",
                               headers={"Authorization": f"Bearer {token}"})
    assert response.json["current_item_id"] == items[1].id == current()
    page_client.post(f"/manage/{congress.id}/control/clear")
    assert current() is None


def test_checkin_staff_cannot_move_the_current_item(app, world):
    congress = world.congress
    token = create_api_token(None, world.users["checkin"])[1]
    response = app.test_client().post(f"/api/v1/congresses/{congress.id}/agenda/next",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    db.session.expire_all()
    assert congress.current_item_id is None
