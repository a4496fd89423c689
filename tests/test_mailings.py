"""Mailings: portal links e-mailed through a local SMTP server (aiosmtpd), failures logged in
plain words and sent again, groups, the letters PDF with each delegate's QR, who may do it."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import threading

import pytest
from aiosmtpd.controller import Controller

from bench.serving import free_port
from conference.auth.service import Actor
from conference.badges.identity import badge_token, portal_url, reissue_badge
from conference.delegates.models import DelegateStatus
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from conference.mailings import service
from conference.mailings.models import Delivery, DeliveryKind, DeliveryStatus
from tests import test_badges
from tests.test_badges import add_congress, add_delegate, decode_qr, page_count, pdf_text

pytestmark = pytest.mark.english
BASE = "http://localhost"
SENDER = "Ban Tổ chức <daihoi@example.vn>"


# The badge tests' world: a congress with its categories, numbered delegates.
congress = test_badges.congress
make_delegate = test_badges.make_delegate


class Mailbox:
    """What a local SMTP server received; it refuses the addresses in `refused`."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refused: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> email.message.EmailMessage:
        found = [message for recipients, message in self.messages if address in recipients]
        assert len(found) == 1, (address, len(found))
        return found[0]


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def use_smtp(app, port: int, **settings) -> None:
    app.config["CONFERENCE"].update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                                     "SMTP_SECURITY": "none", "MAIL_SENDER": SENDER,
                                     "MAIL_PER_MINUTE": 0} | settings)


@pytest.fixture
def smtp(app, mailbox):
    use_smtp(app, mailbox.port)
    return mailbox


@pytest.fixture
def organizer(create_user, congress, login):
    user = create_user(role="organizer", congress=congress)
    login(user)
    return user


def body(message, kind: str) -> str:
    return message.get_body(preferencelist=(kind,)).get_content()


def send(client, congress, **form):
    return client.post(f"/manage/{congress.id}/mailings/send", data={"lang": "vi"} | form)


def job_of(response) -> Job:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.get(Job, int(re.search(r"job=(\d+)", response.headers["Location"])[1]))


def deliveries(**where) -> list[Delivery]:
    return list(db.session.scalars(db.select(Delivery).filter_by(**where)
                                   .order_by(Delivery.id)))


# --- sending -----------------------------------------------------------------------------------


def test_each_delegate_receives_their_own_portal_link(client, smtp, organizer, congress,
                                                      make_delegate, caplog):
    caplog.set_level(logging.DEBUG)
    delegates = [make_delegate(congress, email=f"dai.bieu{n}@example.vn") for n in range(3)]
    delegates.append(make_delegate(congress, email="x@example.vn",
                                   full_name="<b>Lê & Thị</b> \"Hoa\""))
    make_delegate(congress)  # no address: nothing to send
    make_delegate(congress, email="gone@example.vn", status=DelegateStatus.WITHDRAWN)

    job = job_of(send(client, congress, note="Xin đọc dự thảo trước ngày 20/9 <script>"))
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 4, 4)
    assert job.result == {"sent": 4, "failed": 0, "total": 4}
    assert len(smtp.messages) == 4
    for delegate in delegates:
        message = smtp.to(delegate.email)
        link = portal_url(delegate, BASE)
        assert link in body(message, "plain") and f'href="{link}"' in body(message, "html")
        assert message["From"].addresses[0].addr_spec == "daihoi@example.vn"
        assert message["Content-Language"] == "vi"
        assert message["Subject"].strip().startswith("Trang đại biểu")  # Vietnamese by default
        html = body(message, "html")
        assert "<img" not in html and "<script>" not in html  # no pixel, the note escaped
        assert "&lt;script&gt;" in html and "Xin đọc dự thảo" in body(message, "plain")
    odd = body(smtp.to("x@example.vn"), "html")
    assert "&lt;b&gt;Lê &amp; Thị&lt;/b&gt;" in odd and "<b>Lê" not in odd

    logged = deliveries(kind=DeliveryKind.EMAIL)
    assert [(row.status, row.address) for row in logged] == [
        (DeliveryStatus.SENT, d.email) for d in sorted(
            delegates, key=lambda d: (d.delegation, d.code, d.id))]
    for row in logged:  # the log keeps the link masked, never the token
        token = badge_token(row.delegate)
        assert token not in row.link and row.link.endswith(f"/b/{token[:4]}…")
    ours = [record.getMessage() for record in caplog.records
            if record.name != "mail.log"]  # the test server's own log shows what it received
    assert not any(badge_token(d) in line for d in delegates for line in ours)
    page = client.get(f"/manage/{congress.id}/mailings").get_data(as_text=True)
    assert "dai.bieu0@example.vn" in page
    assert not any(badge_token(d) in page for d in delegates)


def test_english_mail_when_asked(client, smtp, organizer, congress, make_delegate):
    delegate = make_delegate(congress, email="en@example.vn")
    job_of(send(client, congress, lang="en"))
    message = smtp.to(delegate.email)
    assert message["Content-Language"] == "en"
    assert message["Subject"].strip().startswith("Your delegate page")
    assert "Dear Nguyễn Văn Trường" in body(message, "plain")


def test_a_refused_recipient_is_logged_in_plain_words_and_sent_again(
        client, smtp, organizer, congress, make_delegate):
    good = make_delegate(congress, email="ok@example.vn")
    bad = make_delegate(congress, email="nobody@example.vn")
    smtp.refused.add(bad.email)

    job = job_of(send(client, congress))
    assert job.result == {"sent": 1, "failed": 1, "total": 2}
    smtp.to(good.email)  # the refusal did not stop the run
    failed = deliveries(status=DeliveryStatus.FAILED)
    assert [(row.delegate_id, row.error_code) for row in failed] == [
        (bad.id, "recipient_refused")]
    assert "refused the address nobody@example.vn" in failed[0].error
    assert failed[0].smtp_reply.startswith("550 5.1.1")
    page = client.get(f"/manage/{congress.id}/mailings?show=failed").get_data(as_text=True)
    assert "refused the address nobody@example.vn" in page and "User unknown" in page
    assert "ok@example.vn" not in page

    smtp.refused.clear()
    again = job_of(send(client, congress, state="failed"))
    assert again.result == {"sent": 1, "failed": 0, "total": 1}
    smtp.to(bad.email)
    assert len(smtp.messages) == 2  # the one already sent was not sent twice
    assert service.mail_counts(congress)["failed"] == 0


def test_a_server_that_refuses_connections_fails_every_delivery_once(
        app, client, organizer, congress, make_delegate, mailbox):
    delegates = [make_delegate(congress, email=f"d{n}@example.vn") for n in range(3)]
    use_smtp(app, free_port())  # nothing listens there
    job = job_of(send(client, congress))
    assert job.status == JobStatus.DONE
    assert job.result == {"sent": 0, "failed": 3, "total": 3}
    rows = deliveries()
    assert {row.error_code for row in rows} == {"connection_refused"}
    assert "refused the connection" in rows[0].error and "CONFERENCE_SMTP_HOST" in rows[0].error
    assert service.mail_counts(congress)["failed"] == 3

    use_smtp(app, mailbox.port)  # the server is back: resend the failed ones
    job_of(send(client, congress, state="failed"))
    assert sorted(recipients[0] for recipients, _ in mailbox.messages) == sorted(
        d.email for d in delegates)
    assert service.mail_counts(congress)["failed"] == 0


def test_one_delegate_sent_again_from_the_log(client, smtp, organizer, congress, make_delegate):
    first = make_delegate(congress, email="a@example.vn")
    make_delegate(congress, email="b@example.vn")
    job_of(send(client, congress, ids=str(first.id)))
    assert [recipients for recipients, _ in smtp.messages] == [["a@example.vn"]]


def test_groups_by_category_delegation_and_state(client, smtp, organizer, congress,
                                                 make_delegate):
    kyanh = make_delegate(congress, email="ka@example.vn", delegation="Đoàn Kỳ Anh")
    guest = make_delegate(congress, email="g@example.vn", category="guest")
    other = make_delegate(congress, email="o@example.vn")
    job_of(send(client, congress, delegation="Đoàn Kỳ Anh"))
    job_of(send(client, congress, category="guest"))
    assert [recipients[0] for recipients, _ in smtp.messages] == [kyanh.email, guest.email]
    job_of(send(client, congress, state="unsent"))  # only the one never sent
    assert [recipients[0] for recipients, _ in smtp.messages][-1] == other.email
    assert len(smtp.messages) == 3
    response = send(client, congress, state="unsent")
    assert response.status_code == 422  # nobody left
    assert "No delegate with an e-mail address matches" in response.get_data(as_text=True)


def test_never_sends_to_delegates_of_another_congress(client, smtp, organizer, congress,
                                                      make_delegate, create_congress):
    stranger = make_delegate(add_congress(create_congress), email="other@example.vn")
    response = send(client, congress, ids=str(stranger.id))
    assert response.status_code == 422
    assert smtp.messages == [] and deliveries() == []


def test_refusals_before_sending(app, client, organizer, congress, make_delegate):
    make_delegate(congress, email="a@example.vn")
    page = client.get(f"/manage/{congress.id}/mailings").get_data(as_text=True)
    assert "E-mail is not set up" in page  # no SMTP_HOST: the page says so
    response = send(client, congress)
    assert response.status_code == 409 and "CONFERENCE_SMTP_HOST" in response.get_data(
        as_text=True)
    use_smtp(app, free_port())
    for form, message in (({"state": "no_email"}, "Choose one of"),
                          ({"note": "x" * 1001}, "At most 1000 characters"),
                          ({"lang": "fr"}, "Choose one of"), ({"ids": "1, x"}, "whole numbers")):
        response = send(client, congress, **form)
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True), form
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_one_run_at_a_time_and_at_most_max_recipients(app, congress, make_delegate,
                                                      create_user, monkeypatch):
    use_smtp(app, free_port())
    actor = Actor(create_user(role="organizer", congress=congress))
    make_delegate(congress, email="a@example.vn")
    make_delegate(congress, email="b@example.vn")
    db.session.add(Job(congress_id=congress.id, kind=service.MAIL_JOB, params={},
                       status=JobStatus.RUNNING))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        service.start_mailing(actor, congress, service.Selection(), BASE)
    assert refused.value.code == "mailing_running"
    lost = db.session.scalar(db.select(Job).where(Job.kind == service.MAIL_JOB))
    lost.created_at = lost.created_at - service.RUN_PATIENCE  # its queue was lost long ago
    db.session.commit()
    assert service.start_mailing(actor, congress, service.Selection(), BASE).status == (
        JobStatus.DONE)
    monkeypatch.setattr(service, "MAX_RECIPIENTS", 1)
    with pytest.raises(ValidationFailed) as too_many:
        service.start_letters(actor, congress, service.Selection(), BASE)
    assert too_many.value.code == "too_many_recipients"


def test_the_throttle_spaces_messages(monkeypatch):
    clock = iter([100.0, 100.2, 100.5, 101.5])
    slept = []
    monkeypatch.setattr(service.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(service.time, "sleep", slept.append)
    throttle = service.Throttle(per_minute=60)
    throttle.wait()  # the first goes at once
    throttle.wait()
    assert slept == [pytest.approx(0.8)]


def test_a_reissued_badge_marks_its_sent_link_dead(client, smtp, organizer, congress,
                                                   make_delegate):
    delegate = make_delegate(congress, email="a@example.vn")
    job_of(send(client, congress))
    reissue_badge(Actor(organizer), delegate)
    page = client.get(f"/manage/{congress.id}/mailings").get_data(as_text=True)
    assert "badge replaced since" in page


# --- letters -------------------------------------------------------------------------------


def test_letters_one_page_each_with_their_qr(client, organizer, congress, make_delegate,
                                             tmp_path):
    first = make_delegate(congress, full_name="Trần Thị Ngọc Ánh", delegation="Đoàn Kỳ Anh")
    second = make_delegate(congress, email="has@example.vn", delegation="Đoàn Kỳ Anh")
    make_delegate(congress, delegation="Đoàn Cẩm Xuyên")
    response = client.post(f"/manage/{congress.id}/mailings/letters",
                           data={"delegation": "Đoàn Kỳ Anh", "lang": "vi"})
    job = job_of(response)
    assert job.status == JobStatus.DONE and job.result == {"letters": 2}
    pdf = client.get(f"/manage/jobs/{job.id}/result").data
    assert page_count(pdf) == 2
    ordered = sorted([first, second], key=lambda d: d.code)
    for number, delegate in enumerate(ordered, 1):
        assert decode_qr(pdf, tmp_path, page=number) == [portal_url(delegate, BASE)]
    text = pdf_text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Trần Thị Ngọc Ánh" in text
    assert [row.status for row in deliveries(kind=DeliveryKind.LETTER)] == [
        DeliveryStatus.PRINTED] * 2

    only_without = job_of(client.post(f"/manage/{congress.id}/mailings/letters",
                                      data={"state": "no_email", "lang": "en"}))
    assert only_without.result == {"letters": 2}  # the two without an address
    assert "SOCIALIST REPUBLIC OF VIETNAM" in pdf_text(
        client.get(f"/manage/jobs/{only_without.id}/result").data)


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "checkin"])
def test_only_organizers(client, login, create_user, congress, make_delegate, role, app):
    use_smtp(app, free_port())
    make_delegate(congress, email="a@example.vn")
    login(create_user(role=role, congress=congress))
    assert client.get(f"/manage/{congress.id}/mailings").status_code == 403
    assert send(client, congress).status_code == 403
    assert client.post(f"/manage/{congress.id}/mailings/letters").status_code == 403
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_forms_need_the_csrf_token(make_app, login):
    from conference.auth.models import Membership, User
    from tests.conftest import PASSWORD, PASSWORD_HASH

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        congress = add_congress(lambda **fields: _bare_congress(**fields))
        add_delegate(congress, 1)
        user = User(username="to.chuc", password_hash=PASSWORD_HASH)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user=user, congress_id=congress.id, role="organizer"))
        db.session.commit()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        client.post("/login", data={"username": "to.chuc", "password": PASSWORD,
                                    "csrf_token": token})
        page = client.get(f"/manage/{congress.id}/mailings").get_data(as_text=True)
        assert page.count('name="csrf_token"') >= 3  # both forms and the sign-out
        refused = client.post(f"/manage/{congress.id}/mailings/letters", data={"lang": "vi"})
        assert refused.status_code == 400
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
        db.session.remove()


def _bare_congress(**fields):
    from datetime import date

    from conference.congresses.models import Congress

    congress = Congress(slug="csrf", starts_on=date(2023, 9, 27), ends_on=date(2023, 9, 28),
                        **fields)
    db.session.add(congress)
    db.session.commit()
    return congress


# --- the API -------------------------------------------------------------------------------


def test_the_api_sends_prints_and_shows_the_log(app, api, smtp, create_user, congress,
                                                make_delegate):
    caller = api(create_user(role="organizer", congress=congress))
    good = make_delegate(congress, email="ok@example.vn")
    bad = make_delegate(congress, email="no@example.vn")
    smtp.refused.add(bad.email)
    started = caller.post(f"/api/v1/congresses/{congress.id}/mailings",
                          json={"lang": "en", "note": "Đọc trước ngày 20/9."})
    assert started.status_code == 202, started.json
    job = caller.get(started.headers["Location"]).json
    assert job["status"] == "done" and job["result"] == {"sent": 1, "failed": 1, "total": 2}
    assert smtp.to(good.email)["Content-Language"] == "en"

    log = caller.get(f"/api/v1/congresses/{congress.id}/deliveries",
                     headers={"Accept-Language": "vi"}).json
    assert log["counts"] == {"delegates": 2, "with_email": 2, "no_email": 0, "unsent": 1,
                             "failed": 1}
    failed = [row for row in log["deliveries"] if row["status"] == "failed"]
    assert [(row["delegate_id"], row["error_code"]) for row in failed] == [
        (bad.id, "recipient_refused")]
    assert all(badge_token(d) not in str(log) for d in (good, bad))

    letters = caller.post(f"/api/v1/congresses/{congress.id}/letters",
                          json={"ids": [good.id], "state": "all"})
    assert letters.status_code == 202
    result = caller.get(caller.get(letters.headers["Location"]).json["result_url"])
    assert result.mimetype == "application/pdf" and page_count(result.data) == 1

    for body in ({"state": "no_email"}, {"note": "x" * 1001}, {"ids": ["1"]}, {"extra": 1}):
        assert caller.post(f"/api/v1/congresses/{congress.id}/mailings",
                           json=body).status_code == 422, body
    assert caller.post(f"/api/v1/congresses/{congress.id}/mailings",
                       json={"ids": [10**6]}).json["error"]["code"] == "no_recipients"
