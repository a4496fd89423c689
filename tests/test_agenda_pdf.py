"""The printable agenda: Vietnamese text and dates, English on request, nothing fetched."""

import base64
import io
import re
import socket
import threading
import unicodedata
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader

import conference.pdf
from conference.agenda import pdf as agenda_pdf
from conference.agenda import views as agenda_views
from conference.agenda.pdf import AGENDA_PDF_JOB
from conference.attendance.report import render_attendance_pdf
from conference.auth.models import Role
from conference.extensions import db
from conference.jobs import service as jobs_service
from conference.jobs.models import Job
from conference.pdf import FetchRefused, html_to_pdf, refuse_fetch


def normalise(text: str) -> str:
    """NFC and single spaces: PDF extraction may decompose letters or change spacing."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def squeeze(text: str) -> str:
    """The text with no whitespace at all, for checks that must not depend on line breaks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    return normalise("\n".join(page.extract_text() for page in reader.pages))


def assert_shows(text: str, *needles: str) -> None:
    for needle in needles:
        assert squeeze(needle) in squeeze(text), f"{needle!r} not in {text!r}"


@pytest.fixture
def printed(agenda):
    """The agenda congress with the details a printed agenda shows."""
    congress, sessions, items = agenda
    congress.organizing_union = "Công đoàn Viên chức tỉnh"
    congress.venue = "Hội trường Thống Nhất"
    sessions[1].room = "Phòng họp A"
    sessions[1].chair = "Nguyễn Thị Hồng"
    items[2].presenter = "Đồng chí Trần Văn Bình"
    items[2].duration_minutes = 45
    items[2].planned_start = datetime(2023, 9, 28, 4, 45, tzinfo=UTC)  # 11:45 in Hà Nội
    db.session.commit()
    return congress, sessions, items


def label(app, locale: str, message: str, **variables) -> str:
    """`message` as the app's catalog for `locale` writes it (the msgid if untranslated)."""
    with app.test_request_context("/"), force_locale(locale):
        return _(message, **variables)


def test_public_pdf_in_vietnamese(app, client, printed):
    congress, _sessions, items = printed
    response = client.get(f"/c/{congress.slug}/agenda.pdf")
    assert f"agenda-{congress.slug}.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response)
    assert_shows(text, "Đại hội Công đoàn số 1", "Công đoàn Viên chức tỉnh",
                 "Hội trường Thống Nhất", "Phiên trù bị", "Phiên chính thức",
                 *(item.title for item in items), "Đồng chí Trần Văn Bình",
                 "Phòng họp A", "Nguyễn Thị Hồng")
    # Sessions start 00:30 and 04:30 UTC: 07:30 and 11:30 in the congress's time zone.
    assert_shows(text, "Thứ Năm, ngày 28/09/2023, 07:30–10:30",
                 "Thứ Năm, ngày 28/09/2023, 11:30–14:30", "11:45")
    assert "Thursday" not in text and "September" not in text
    for message, variables in [("Chair", {}), ("%(n)d minutes", {"n": 45}),
                               ("Preparatory session", {}), ("Official session", {})]:
        assert_shows(text, label(app, "vi", message, **variables))
    # The order is the agenda's: sessions by time, items by position.
    order = [squeeze(text).index(squeeze(t)) for t in
             ["Phiên trù bị", "Khai mạc", "Bầu Đoàn Chủ tịch", "Phiên chính thức",
              "Báo cáo chính trị", "Thảo luận", "Bế mạc"]]
    assert order == sorted(order)


def test_the_pdf_does_not_mark_the_current_item(app, client, printed):
    congress, _sessions, items = printed
    congress.current_item_id = items[1].id
    db.session.commit()
    text = pdf_text(client.get(f"/c/{congress.slug}/agenda.pdf"))
    now = label(app, "vi", "Now")
    assert squeeze(now) not in squeeze(text)


def test_pdf_in_english_after_switching_the_language(app, client, printed):
    congress = printed[0]
    assert client.get(f"/lang/en?next=/c/{congress.slug}").status_code == 302
    text = pdf_text(client.get(f"/c/{congress.slug}/agenda.pdf"))
    assert_shows(text, "Đại hội Công đoàn số 1", "Phiên trù bị",
                 "Preparatory session", "Official session", "Chair: Nguyễn Thị Hồng",
                 "45 minutes",
                 "Thursday, 28 September 2023, 07:30–10:30",
                 "Thursday, 28 September 2023, 11:30–14:30")
    assert "Thứ Năm" not in text and "ngày 28/09/2023" not in text
    # ...and back to Vietnamese.
    client.get("/lang/vi")
    assert_shows(pdf_text(client.get(f"/c/{congress.slug}/agenda.pdf")),
                 "Thứ Năm, ngày 28/09/2023")


def test_staff_pdf_of_an_unpublished_congress(client, create_congress, create_session,
                                              create_item, create_user, login):
    congress = create_congress(published=False, name="Đại hội Công đoàn Ngành Giáo dục")
    session = create_session(congress, title="Phiên bế mạc", kind="closing")
    create_item(session, title="Bầu Ban Chấp hành khóa mới")
    assert client.get(f"/c/{congress.slug}/agenda.pdf").status_code == 404
    login(create_user(role=Role.OPERATOR, congress=congress))
    text = pdf_text(client.get(f"/manage/{congress.id}/agenda.pdf"))
    assert_shows(text, "Đại hội Công đoàn Ngành Giáo dục", "Phiên bế mạc",
                 "Bầu Ban Chấp hành khóa mới", "Thứ Năm, ngày 28/09/2023")
    # The public still gets nothing while signed in as staff of it.
    assert client.get(f"/c/{congress.slug}/agenda.pdf").status_code == 404


def test_staff_pdf_of_a_published_congress(client, printed, create_user, login):
    congress = printed[0]
    login(create_user(role=Role.ORGANIZER, congress=congress))
    text = pdf_text(client.get(f"/manage/{congress.id}/agenda.pdf"))
    assert_shows(text, "Đại hội Công đoàn số 1", "Bế mạc")


def test_staff_pdf_needs_a_role_in_the_congress(app, client, printed, create_congress,
                                                create_user, login):
    congress = printed[0]
    anonymous = app.test_client().get(f"/manage/{congress.id}/agenda.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(create_user(role=Role.ORGANIZER, congress=create_congress()))
    assert client.get(f"/manage/{congress.id}/agenda.pdf").status_code == 404


def test_unknown_congress_pdf_is_404(client, agenda):
    response = client.get("/c/khong-co/agenda.pdf")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# --- one render per revision and language, shared by every visitor ----------------------------


def renders() -> list[tuple]:
    return [(job.params["revision"], job.params["locale"]) for job in db.session.scalars(
        db.select(Job).where(Job.kind == AGENDA_PDF_JOB).order_by(Job.id))]


def test_visitors_share_one_render_per_revision_and_language(app, client, printed):
    congress, sessions, _items = printed
    revision = congress.agenda_revision
    first = client.get(f"/c/{congress.slug}/agenda.pdf")
    again = app.test_client().get(f"/c/{congress.slug}/agenda.pdf")
    assert pdf_text(first) == pdf_text(again)
    assert renders() == [(revision, "vi")]
    english = app.test_client()
    english.get("/lang/en")
    assert "Preparatory session" in pdf_text(english.get(f"/c/{congress.slug}/agenda.pdf"))
    sessions[0].title = "Phiên khai mạc"
    congress.agenda_revision += 1  # as every agenda change does
    db.session.commit()
    assert "Phiên khai mạc" in pdf_text(client.get(f"/c/{congress.slug}/agenda.pdf"))
    assert renders() == [(revision, "vi"), (revision, "en"), (revision + 1, "vi")]


def test_a_render_not_ready_gives_a_page_that_reloads_itself(app, client, printed,
                                                             monkeypatch):
    congress = printed[0]
    queued = []
    monkeypatch.setattr(jobs_service, "_enqueue", queued.append)  # no consumer gets to it
    monkeypatch.setattr(agenda_views, "PDF_WAIT", 0.2)
    for _visitor in range(2):
        response = app.test_client().get(f"/c/{congress.slug}/agenda.pdf")
        assert response.status_code == 202
        assert response.headers["Retry-After"] == "3"
        assert '<meta http-equiv="refresh" content="3">' in response.text
        assert label(app, "vi", "The agenda PDF is being prepared. This page opens it by "
                                "itself in a few seconds.") in response.text
    assert len(queued) == 1  # the second visitor waits for the same render


def test_a_failed_render_says_so_and_the_next_request_tries_again(app, client, printed,
                                                                  monkeypatch):
    congress = printed[0]

    def broken(*args):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(agenda_pdf, "render_agenda_pdf", broken)
    failed = client.get(f"/c/{congress.slug}/agenda.pdf")
    assert failed.status_code == 503
    assert label(app, "vi", "The agenda PDF could not be made just now. Reload this page to "
                            "try again.") in failed.text
    assert "no fonts" not in failed.text
    monkeypatch.undo()
    assert pdf_text(client.get(f"/c/{congress.slug}/agenda.pdf"))
    assert len(renders()) == 1  # the failed job made way for the new one


# --- nothing is fetched from outside ----------------------------------------------------------


@pytest.fixture
def listener():
    """A local TCP server that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    hits.append(conn.recv(1024))
                except OSError:
                    hits.append(b"")
                conn.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    stop.set()
    thread.join(2)
    server.close()


def test_refuse_fetch_refuses_every_url():
    for url in ("http://example.com/a.png", "https://example.com/a.css", "file:///etc/passwd",
                "data:text/plain,x"):
        with pytest.raises(FetchRefused):
            refuse_fetch(url)


# A 1x1 transparent PNG, inlined as templates inline QR codes and logos.
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
         "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


@pytest.fixture
def asked(monkeypatch):
    """The URLs the renderer hands to refuse_fetch."""
    urls: list[str] = []

    def spy(url, *args, **kwargs):
        urls.append(url)
        return refuse_fetch(url, *args, **kwargs)

    monkeypatch.setattr(conference.pdf, "refuse_fetch", spy)
    return urls


def test_html_to_pdf_fetches_nothing_but_inline_data(listener, asked):
    base, hits = listener
    pdf = html_to_pdf(f"""<!doctype html><html><head>
        <link rel="stylesheet" href="{base}/style.css">
        <style>@import url("{base}/import.css");
               @font-face {{ font-family: X; src: url("{base}/font.woff2"); }}
               body {{ background: url("{base}/bg.png"); }}</style>
        </head><body><p style="font-family: X">Đại hội</p><img src="{base}/logo.png">
        <img src="file:///etc/hostname"><img src="{PIXEL}" width="20" height="20">
        </body></html>""")
    assert pdf.startswith(b"%PDF-")
    assert hits == []  # refused before any connection
    assert {f"{base}/style.css", f"{base}/logo.png", "file:///etc/hostname"} <= set(asked)
    assert not any(url.startswith("data:") for url in asked)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1  # the inline pixel, and only it
    assert "Đại hội" in normalise(page.extract_text())


def test_the_fetcher_refuses_by_itself():
    fetcher = conference.pdf.url_fetcher()
    fetch = getattr(fetcher, "fetch", fetcher)
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises(FetchRefused):
            fetch(url)
    assert fetch(PIXEL).read().startswith(b"\x89PNG")


def test_a_documents_own_resources_are_served_and_nothing_beside_them():
    png = base64.b64decode(PIXEL.split(",", 1)[1])
    fetch = conference.pdf.url_fetcher({"pixel": png}).fetch
    answer = fetch(conference.pdf.resource_url("pixel"))
    assert answer.read() == png and answer.content_type == "image/png"
    for url in ("resource:other", "resource:../pixel", "resource:"):
        with pytest.raises(FetchRefused):
            fetch(url)
    with pytest.raises(FetchRefused):
        conference.pdf.url_fetcher().fetch("resource:pixel")


def test_agenda_pdf_fetches_nothing(client, printed, asked, monkeypatch):
    import weasyprint

    fetchers = []
    real_html = weasyprint.HTML

    def recording_html(*args, **kwargs):
        fetchers.append(kwargs.get("url_fetcher"))
        return real_html(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", recording_html)
    pdf_text(client.get(f"/c/{printed[0].slug}/agenda.pdf"))
    assert len(fetchers) == 1 and fetchers[0] is not None
    assert asked == []  # the agenda template needs nothing from anywhere
    with pytest.raises(FetchRefused):
        getattr(fetchers[0], "fetch", fetchers[0])("https://example.com/logo.png")


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_pdf_carries_the_credentials_reports_official_header(app, printed, locale):
    """The agenda opens as the credentials report does: the union and the issuing committee
    on the left, the state and its motto on the right, in the page's language."""
    congress = printed[0]
    with app.test_request_context("/"):
        agenda = PdfReader(io.BytesIO(agenda_pdf.render_agenda_pdf(congress, locale)))
        report = PdfReader(io.BytesIO(render_attendance_pdf(congress, None, locale)))
    agenda_text = normalise(agenda.pages[0].extract_text())
    report_text = normalise(report.pages[0].extract_text())
    state = label(app, locale, "SOCIALIST REPUBLIC OF VIETNAM")
    motto = label(app, locale, "Independence – Freedom – Happiness")
    for text in (agenda_text, report_text):
        assert_shows(text[:300], "Công đoàn Viên chức tỉnh", state, motto)
    assert_shows(agenda_text[:300], label(app, locale, "Organizing Committee"))
    assert squeeze(agenda_text).index(squeeze(state)) < squeeze(agenda_text).index(
        squeeze(label(app, locale, "Agenda")))


def test_a_render_pauses_the_cycle_collector_and_always_turns_it_back_on(monkeypatch):
    """The collector is off while WeasyPrint works (40 % of a badge sheet's time otherwise) and
    on again afterwards, after a failed render too, or the process would grow without end."""
    import gc

    import weasyprint

    seen = []
    real = weasyprint.HTML.write_pdf

    def spying(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", spying)
    assert conference.pdf.html_to_pdf("<p>Đại hội</p>").startswith(b"%PDF-")
    assert seen == [False] and gc.isenabled()

    def failing(self, *args, **kwargs):
        raise RuntimeError("a broken font")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", failing)
    with pytest.raises(RuntimeError):
        conference.pdf.html_to_pdf("<p>x</p>")
    assert gc.isenabled()
