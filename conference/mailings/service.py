"""Mailings: send delegates their portal link by e-mail, or print it on a letter with its QR.

Delegates study the drafts before the congress on their portal (/b/<token>). An organizer picks
a group (category, delegation, not yet sent, failed, or a few ids) and starts a job: the e-mail
job sends one message per delegate over one SMTP connection, throttled to MAIL_PER_MINUTE, and
logs each delivery with the server's refusal in plain words; the letters job renders one A4 page
per delegate. A portal link is a credential: the log keeps it masked, and nothing logs it whole.
"""

from __future__ import annotations

import io
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_date, lazy_gettext
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from conference import qr
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.badges.identity import portal_url
from conference.badges.service import parse_ids, parse_locale
from conference.congresses.models import Congress
from conference.dates import to_local, utcnow
from conference.delegates.models import Delegate
from conference.delegates.search import HANDOUT_ORDER, of_group
from conference.delegates.service import category_labels
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db, mail
from conference.jobs.models import Job
from conference.jobs.service import UNFINISHED, job_handler, start_job
from conference.mailings.models import Delivery, DeliveryKind, DeliveryStatus
from conference.pdf import html_to_pdf
from conference.token_pages import mask_token_paths

MAIL_JOB = "mailing"
LETTERS_JOB = "letters"
MAX_RECIPIENTS = 2000  # one run; a larger congress sends by delegation
MAX_NOTE = 1000  # characters of the organizer's own words in the e-mail
LETTERS_PER_PART = 50  # letters rendered at once: the progress bar moves, memory stays low
LOG_LIMIT = 200  # deliveries the page lists
SMTP_SECURITY_MODES = ("starttls", "ssl", "none")
SMTP_TIMEOUT = 30  # seconds: a silent server fails one delivery instead of holding the run
# A run unfinished after this long was lost with its queue: it no longer holds the next one
# back (2,000 e-mails at 60 a minute take 34 minutes).
RUN_PATIENCE = timedelta(hours=2)

# Which delegates, by what happened to their e-mail so far.
MAIL_STATES = {
    "all": lazy_gettext("Everyone in the group"),
    "unsent": lazy_gettext("Not yet sent"),
    "failed": lazy_gettext("Failed last time"),
}
LETTER_STATES = MAIL_STATES | {"no_email": lazy_gettext("Without an e-mail address")}


# --- which delegates -------------------------------------------------------------------------


@dataclass
class Selection:
    """Which delegates a run covers and what it says; empty fields mean no restriction."""

    category: str = ""
    delegation: str = ""
    state: str = "all"
    ids: list[int] = field(default_factory=list)
    locale: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        return {"category": self.category, "delegation": self.delegation, "state": self.state,
                "ids": self.ids, "locale": self.locale, "note": self.note}


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the marked fields."), fields={name: message})


def parse_selection(data, states: dict) -> Selection:
    """A run's choices from a form, a JSON body or a job's stored parameters; `states` are
    the groups by e-mail state this kind of run offers."""
    state = str(data.get("state") or "all")
    if state not in states:
        raise _invalid("state", _("Choose one of: %(choices)s.", choices=", ".join(states)))
    note = str(data.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        raise _invalid("note", _("At most %(n)d characters.", n=MAX_NOTE))
    ids = data.get("ids")
    if hasattr(data, "getlist") and len(data.getlist("ids")) > 1:
        ids = data.getlist("ids")
    return Selection(category=str(data.get("category") or "").strip()[:40],
                     delegation=str(data.get("delegation") or "").strip()[:200],
                     state=state, ids=parse_ids(ids), note=note,
                     locale=parse_locale(data.get("lang") or data.get("locale")))


def _last_email_status(congress: Congress):
    """The status of each delegate's latest e-mail delivery (delegate_id, status)."""
    latest = (select(func.max(Delivery.id))
              .where(Delivery.congress_id == congress.id, Delivery.kind == DeliveryKind.EMAIL)
              .group_by(Delivery.delegate_id))
    return select(Delivery.delegate_id, Delivery.status).where(Delivery.id.in_(latest))


def _ever_sent():
    return exists().where(Delivery.delegate_id == Delegate.id,
                          Delivery.kind == DeliveryKind.EMAIL,
                          Delivery.status == DeliveryStatus.SENT)


def _last_failed(congress: Congress):
    last = _last_email_status(congress).subquery()
    return Delegate.id.in_(select(last.c.delegate_id).where(
        last.c.status == DeliveryStatus.FAILED))


def _selected(query, congress: Congress, selection: Selection, *, by_email: bool):
    """Only this congress's delegates, never withdrawn ones; e-mail runs need an address."""
    query = of_group(query, congress, category=selection.category,
                     delegation=selection.delegation, ids=selection.ids)
    if by_email:
        query = query.where(Delegate.email != "")
    if selection.state == "unsent":
        query = query.where(~_ever_sent())
    elif selection.state == "failed":
        query = query.where(_last_failed(congress))
    elif selection.state == "no_email":
        query = query.where(Delegate.email == "")
    return query


def select_delegates(congress: Congress, selection: Selection, *, by_email: bool
                     ) -> list[Delegate]:
    query = _selected(select(Delegate), congress, selection, by_email=by_email)
    return list(db.session.scalars(query.order_by(*HANDOUT_ORDER)))


def count_delegates(congress: Congress, selection: Selection, *, by_email: bool) -> int:
    return db.session.scalar(_selected(select(func.count(Delegate.id)), congress, selection,
                                       by_email=by_email))


def mail_counts(congress: Congress) -> dict[str, int]:
    """The page's summary: who can be e-mailed, who has been, whose last e-mail failed."""
    def count(state: str, by_email: bool = True) -> int:
        return count_delegates(congress, Selection(state=state), by_email=by_email)

    return {"delegates": count("all", by_email=False), "with_email": count("all"),
            "no_email": count("no_email", by_email=False), "unsent": count("unsent"),
            "failed": count("failed")}


# --- the page's log ----------------------------------------------------------------------------


def deliveries(actor: Actor, congress: Congress, *, failed_only: bool = False,
               limit: int = LOG_LIMIT) -> list[Delivery]:
    """The congress's latest deliveries, newest first (only failed e-mails if asked)."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    query = (select(Delivery).where(Delivery.congress_id == congress.id)
             .options(joinedload(Delivery.delegate)))
    if failed_only:
        query = query.where(Delivery.status == DeliveryStatus.FAILED)
    return list(db.session.scalars(query.order_by(Delivery.id.desc()).limit(limit)))


def recent_jobs(congress: Congress, limit: int = 5) -> list[Job]:
    return list(db.session.scalars(
        select(Job).where(Job.congress_id == congress.id,
                          Job.kind.in_((MAIL_JOB, LETTERS_JOB)))
        .order_by(Job.id.desc()).limit(limit)))


# --- starting ----------------------------------------------------------------------------------


def mail_problem() -> str | None:
    """Why e-mail cannot be sent with these settings, or None when it can."""
    settings = current_app.config["CONFERENCE"]
    if not settings["SMTP_HOST"] or not settings["MAIL_SENDER"]:
        return _("E-mail is not set up: the server's administrator sets CONFERENCE_SMTP_HOST "
                 "and CONFERENCE_MAIL_SENDER (see the README). Letters can be printed meanwhile.")
    if settings["SMTP_SECURITY"] not in SMTP_SECURITY_MODES:
        return _("CONFERENCE_SMTP_SECURITY must be one of: %(choices)s.",
                 choices=", ".join(SMTP_SECURITY_MODES))
    return None


def _nobody(by_email: bool) -> ValidationFailed:
    if by_email:
        return ValidationFailed(_("No delegate with an e-mail address matches these choices."),
                                code="no_recipients")
    return ValidationFailed(_("No delegate matches these choices."), code="no_recipients")


def _check_size(count: int, by_email: bool) -> None:
    if not count:
        raise _nobody(by_email)
    if count > MAX_RECIPIENTS:
        raise ValidationFailed(_("%(n)d delegates match; one run takes at most %(max)d. Choose a "
                                 "category or a delegation.", n=count, max=MAX_RECIPIENTS),
                               code="too_many_recipients")


def start_mailing(actor: Actor, congress: Congress, selection: Selection, base_url: str) -> Job:
    """Queue the e-mails of a group; one e-mail run of a congress at a time."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    problem = mail_problem()
    if problem:
        raise Conflict(problem, code="mail_not_configured")
    if selection.state not in MAIL_STATES:
        raise _invalid("state", _("Choose one of: %(choices)s.", choices=", ".join(MAIL_STATES)))
    running = db.session.scalar(select(Job.id).where(
        Job.congress_id == congress.id, Job.kind == MAIL_JOB, Job.status.in_(UNFINISHED),
        Job.created_at > utcnow() - RUN_PATIENCE))
    if running is not None:
        raise Conflict(_("E-mails of this congress are being sent; wait until that run ends."),
                       code="mailing_running")
    count = count_delegates(congress, selection, by_email=True)
    _check_size(count, by_email=True)
    record(actor, "mailing.send", congress_id=congress.id,
           details=selection.to_dict() | {"recipients": count})  # saved with the job
    return start_job(actor, congress, MAIL_JOB, selection.to_dict() | {"base_url": base_url})


def start_letters(actor: Actor, congress: Congress, selection: Selection, base_url: str) -> Job:
    """Queue a PDF of one letter per delegate of the group, for units that hand them out."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    count = count_delegates(congress, selection, by_email=False)
    _check_size(count, by_email=False)
    record(actor, "mailing.letters", congress_id=congress.id,
           details=selection.to_dict() | {"letters": count})
    return start_job(actor, congress, LETTERS_JOB, selection.to_dict() | {"base_url": base_url})


# --- e-mail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """Why one e-mail did not go: a stable code, the server's own reply, the reason in words."""

    code: str
    reply: str = ""
    message: str = ""


# Each failure in words an organizer can act on, said in the language of the page that shows
# it (a run's log is read by organizers of either language).
FAILURE_TEXTS = {
    "recipient_refused": lazy_gettext(
        "The mail server refused the address %(address)s: check it with the delegate."),
    "sender_refused": lazy_gettext(
        "The mail server refused the sender address; check CONFERENCE_MAIL_SENDER."),
    "login_refused": lazy_gettext(
        "The mail server did not accept the user name or password (CONFERENCE_SMTP_USER, "
        "CONFERENCE_SMTP_PASSWORD)."),
    "message_refused": lazy_gettext("The mail server refused the message."),
    "connection_refused": lazy_gettext(
        "The mail server %(server)s refused the connection: check CONFERENCE_SMTP_HOST and "
        "CONFERENCE_SMTP_PORT, or whether it is running."),
    "server_unknown": lazy_gettext("The mail server's name %(server)s was not found."),
    "server_timeout": lazy_gettext("The mail server %(server)s did not answer in time."),
    "tls_failed": lazy_gettext(
        "A secure connection to the mail server failed; check CONFERENCE_SMTP_SECURITY and "
        "CONFERENCE_SMTP_PORT."),
    "server_disconnected": lazy_gettext("The mail server closed the connection."),
    "smtp_error": lazy_gettext("The mail server answered with an error."),
    "send_failed": lazy_gettext("Sending failed; the server's words are below."),
}


def failure_text(code: str, address: str) -> str:
    """A failure's reason in the current language."""
    settings = current_app.config["CONFERENCE"]
    text = FAILURE_TEXTS.get(code, FAILURE_TEXTS["send_failed"])
    return str(text) % {"address": address,
                        "server": f"{settings['SMTP_HOST']}:{settings['SMTP_PORT']}"}


def _reply(code: int | None, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    words = " ".join(f"{code or ''} {text or ''}".split())
    return mask_token_paths(words)[:300]


def _classify(error: BaseException) -> tuple[str, str]:
    """An SMTP or network error as (code, the server's reply or the error's own words)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, ""))
        return "recipient_refused", _reply(code, text)
    kinds = ((smtplib.SMTPSenderRefused, "sender_refused"),
             (smtplib.SMTPAuthenticationError, "login_refused"),
             (smtplib.SMTPDataError, "message_refused"))
    for kind, code in kinds:
        if isinstance(error, kind):
            return code, _reply(error.smtp_code, error.smtp_error)
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused", ""
    if isinstance(error, socket.gaierror):
        return "server_unknown", ""
    if isinstance(error, TimeoutError):
        return "server_timeout", ""
    if isinstance(error, ssl.SSLError | smtplib.SMTPNotSupportedError):
        return "tls_failed", _reply(None, str(error))
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "server_disconnected", ""
    if isinstance(error, smtplib.SMTPResponseException):
        return "smtp_error", _reply(error.smtp_code, error.smtp_error)
    return "send_failed", _reply(None, str(error))


def explain(error: BaseException, address: str) -> Failure:
    code, reply = _classify(error)
    return Failure(code, reply, failure_text(code, address))


class Outbox:
    """One SMTP connection for a run: opened on the first message, opened again after the
    server dropped it; when it cannot be opened at all, the remaining messages fail with that
    reason instead of each waiting for the server in turn."""

    def __init__(self):
        settings = current_app.config["CONFERENCE"]
        security = settings["SMTP_SECURITY"]
        # "smtp" named: Flask-Mailman would keep the mail in memory under TESTING.
        self.backend = mail.get_connection(
            "smtp", host=settings["SMTP_HOST"], port=settings["SMTP_PORT"],
            username=settings["SMTP_USER"] or "", password=settings["SMTP_PASSWORD"] or "",
            use_tls=security == "starttls", use_ssl=security == "ssl", timeout=SMTP_TIMEOUT)
        self.unreachable: Failure | None = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.backend.close()
        except OSError:  # every message is sent or logged; a rude goodbye changes nothing
            self._drop()

    def send(self, message: EmailMultiAlternatives, address: str) -> Failure | None:
        if self.unreachable:
            return self.unreachable
        try:
            self.backend.open()
        except OSError as error:  # SMTP errors are OSErrors too (a refused login, STARTTLS)
            self._drop()
            self.unreachable = explain(error, address)
            return self.unreachable
        try:
            self.backend.send_messages([message])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError) as error:
            return explain(error, address)  # this message only: the connection goes on
        except (OSError, ValueError) as error:  # dropped: the next message connects again
            self._drop()
            return explain(error, address)
        return None

    def _drop(self) -> None:
        connection, self.backend.connection = self.backend.connection, None
        if connection is not None:
            connection.close()


def message_for(congress: Congress, delegate: Delegate, link: str, locale: str,
                note: str) -> EmailMultiAlternatives:
    """One delegate's e-mail in `locale`: plain text and simple HTML, no images, no tracking."""
    with force_locale(locale):
        context = {"congress": congress, "delegate": delegate, "link": link, "note": note,
                   "current_locale": locale}
        subject = _("Your delegate page: %(congress)s", congress=congress.name)
        text = render_template("mailings/portal_mail.txt", **context)
        html = render_template("mailings/portal_mail.html", subject=subject, **context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, current_app.config["CONFERENCE"]["MAIL_SENDER"],
        [delegate.email], headers={"Content-Language": locale,
                                   "Auto-Submitted": "auto-generated"})
    message.attach_alternative(html, "text/html")
    return message


class Throttle:
    """At most `per_minute` messages a minute: a pause before each but the first."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.last: float | None = None

    def wait(self) -> None:
        if self.interval and self.last is not None:
            time.sleep(max(0.0, self.last + self.interval - time.monotonic()))
        self.last = time.monotonic()


def _delivery(job: Job, delegate: Delegate, kind: DeliveryKind, status: DeliveryStatus,
              link: str, locale: str, **fields) -> Delivery:
    return Delivery(congress_id=job.congress_id, delegate_id=delegate.id, job_id=job.id,
                    kind=kind, status=status, locale=locale, link=mask_token_paths(link),
                    badge_serial=delegate.badge_serial, created_by_id=job.created_by_id,
                    **fields)


@job_handler(MAIL_JOB, Capability.EDIT_DELEGATES, lazy_gettext("E-mails to delegates"))
def run_mail_job(job: Job, progress) -> tuple[None, str, dict]:
    congress = db.session.get(Congress, job.congress_id)
    selection = parse_selection(job.params, MAIL_STATES)
    delegates = select_delegates(congress, selection, by_email=True)  # as they are now
    if not delegates:
        raise _nobody(by_email=True)
    problem = mail_problem()
    if problem:
        raise Conflict(problem, code="mail_not_configured")
    total, sent = len(delegates), 0
    progress(0, total)
    throttle = Throttle(int(current_app.config["CONFERENCE"]["MAIL_PER_MINUTE"]))
    with Outbox() as outbox:
        for done, delegate in enumerate(delegates, 1):
            link = portal_url(delegate, job.params["base_url"])
            if outbox.unreachable is None:
                throttle.wait()
            failure = outbox.send(message_for(congress, delegate, link, selection.locale,
                                              selection.note), delegate.email)
            sent += failure is None
            db.session.add(_delivery(
                job, delegate, DeliveryKind.EMAIL,
                DeliveryStatus.FAILED if failure else DeliveryStatus.SENT, link,
                selection.locale, address=delegate.email,
                error_code=failure.code if failure else "",
                error=failure.message if failure else "",
                smtp_reply=failure.reply if failure else ""))
            progress(done, total)  # commits the delivery with the progress
    return None, "", {"sent": sent, "failed": total - sent, "total": total}


# --- letters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    delegate: Delegate
    link: str
    qr: str  # data: URL
    category: str


def _qr_cache() -> Path:
    return Path(current_app.instance_path) / "letter-qr"


def _letter(delegate: Delegate, base_url: str, labels: dict[str, str]) -> Letter:
    link = portal_url(delegate, base_url)
    try:
        code = qr.qr_data_url(link, _qr_cache())
    except qr.QrTooLarge:
        raise Conflict(_("The public address is too long for a QR code; shorten PUBLIC_URL."),
                       code="public_url_too_long") from None
    return Letter(delegate, link, code, labels.get(delegate.category, delegate.category))


def letters_html(congress: Congress, letters: list[Letter], locale: str) -> str:
    with force_locale(locale):
        today = to_local(utcnow(), congress.timezone).date()
        # A CLDR date pattern; Vietnamese letters read "ngày 04 tháng 12 năm 2026".
        dated = format_date(today, _("d MMMM yyyy"))
        return render_template("mailings/letters_pdf.html", congress=congress, letters=letters,
                               dated=dated, current_locale=locale)


def render_letters(congress: Congress, letters: list[Letter], locale: str,
                   progress=None) -> bytes:
    """The letters as one PDF, rendered in parts so the progress bar moves."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for start in range(0, len(letters), LETTERS_PER_PART):
        part = letters[start:start + LETTERS_PER_PART]
        writer.append(io.BytesIO(html_to_pdf(letters_html(congress, part, locale))))
        if progress:
            progress(start + len(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@job_handler(LETTERS_JOB, Capability.EDIT_DELEGATES, lazy_gettext("Letters to delegates"))
def run_letters_job(job: Job, progress) -> tuple[bytes, str, dict]:
    congress = db.session.get(Congress, job.congress_id)
    selection = parse_selection(job.params, LETTER_STATES)
    delegates = select_delegates(congress, selection, by_email=False)
    if not delegates:
        raise _nobody(by_email=False)
    total = len(delegates)
    progress(0, total)
    labels = category_labels(congress, selection.locale)
    letters = [_letter(delegate, job.params["base_url"], labels) for delegate in delegates]
    pdf = render_letters(congress, letters, selection.locale,
                         lambda done: progress(done, total))
    db.session.add_all(_delivery(job, letter.delegate, DeliveryKind.LETTER,
                                 DeliveryStatus.PRINTED, letter.link, selection.locale)
                       for letter in letters)
    return pdf, "pdf", {"letters": total}

