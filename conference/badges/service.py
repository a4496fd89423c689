"""Badges: which delegates to print, what each badge shows, and the print run itself.

One badge at the desk renders in the caller's process (about 0.05 s warm). A print run is a
job (from the organizer page or the API) that renders in a pool of worker processes.
Withdrawn delegates are left out of print runs; their single badge is refused too, since the
door would refuse it.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select

from conference import qr
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.badges.identity import portal_url, printed_code
from conference.badges.render import (
    CUT_MARK_LENGTH,
    LAYOUTS,
    BadgeDocument,
    BadgeLayout,
    BadgeView,
    Progress,
    RenderPool,
    fit_badge_texts,
    ink_for,
    merge_pdfs,
    render_one,
)
from conference.congresses.models import Congress
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.photos import photo_path
from conference.delegates.search import HANDOUT_ORDER, of_group
from conference.delegates.service import CODE_PATTERN, categories
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.i18n import LANGUAGES, category_label
from conference.images import cropped_jpeg, read_or_make
from conference.jobs.models import Job
from conference.jobs.service import job_handler, start_job
from conference.pdf import resource_url
from conference.validation import optional_id
from conference.votes.service import badge_pin

# Layout names the forms and the API accept; "single" is one A6 badge a page.
LAYOUT_ALIASES = {"single": "a6"}
DEFAULT_LAYOUT = "sheet"
BADGES_JOB = "badges"
MAX_IDS = 2000
# Below this many badges a print run renders in the job's own process alone: starting a
# helper (about 0.5 s) would cost more than it saves.
IN_PROCESS_LIMIT = 16
HELPERS = 1  # processes rendering beside the job's own (see render.RenderPool)
# Badges per document (whole sheets): small parts even out the two processes' shares and move
# the progress bar; each document costs about 30 ms more and its own fonts in the merged PDF.
PART_SIZE = 40
PHOTO_PIXELS = (240, 320)  # 3:4; 280 dpi on a sheet badge, 185 dpi on an A6 one


# --- which badges ----------------------------------------------------------------------------


@dataclass
class BadgeSelection:
    """Which delegates a print run covers; empty fields mean no restriction."""

    layout: str = DEFAULT_LAYOUT
    category: str = ""
    delegation: str = ""
    ids: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # as printed on badges, upper case
    locale: str = ""  # empty: the site's default language
    backs: bool | None = None  # a page of backs (the voting PIN) after each page; None: default

    def to_dict(self) -> dict:
        return {"layout": self.layout, "category": self.category,
                "delegation": self.delegation, "ids": self.ids, "codes": self.codes,
                "locale": self.locale, "backs": self.backs}


def parse_layout(value: str | None, default: str = DEFAULT_LAYOUT) -> str:
    key = LAYOUT_ALIASES.get(value or default, value or default)
    if key not in LAYOUTS:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "layout": _("Choose one of: %(choices)s.",
                        choices=", ".join([*LAYOUTS, *LAYOUT_ALIASES]))})
    return key


def parse_locale(value: str | None) -> str:
    if not value:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if value not in LANGUAGES:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "lang": _("Choose one of: %(choices)s.", choices=", ".join(LANGUAGES))})
    return value


def parse_ids(value) -> list[int]:
    """Delegate ids from a list, or from text such as "12, 15 18"."""
    if value is None or value == "":
        return []
    words = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value).strip())
    ids = []
    for word in words:
        if str(word).strip() == "":
            continue
        if (key := optional_id(word)) is None:
            raise ValidationFailed(_("Please correct the marked fields."), fields={
                "ids": _("Delegate ids are whole numbers, separated by commas or spaces.")})
        ids.append(key)
    if len(ids) > MAX_IDS:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "ids": _("At most %(n)d ids at a time.", n=MAX_IDS)})
    return list(dict.fromkeys(ids))


def parse_codes(value) -> list[str]:
    """Delegate codes as printed on badges, from a list or text such as "DB0012, db0015"."""
    words = value if isinstance(value, list) else [value or ""]
    codes = [printed_code(code) for word in words
             for code in re.split(r"[\s,;]+", str(word)) if code.strip()]
    if not all(re.match(CODE_PATTERN, code) for code in codes):
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "codes": _("Delegate codes are letters, digits, dots, dashes or slashes, separated "
                       "by commas or spaces.")})
    if len(codes) > MAX_IDS:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "codes": _("At most %(n)d codes at a time.", n=MAX_IDS)})
    return list(dict.fromkeys(codes))


BOOLEAN = TypeAdapter(bool)  # the words the API's query models read as true or false


def parse_backs(value) -> bool | None:
    """Whether to print the backs; None (not said) leaves it to `backs_by_default`."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip()
    if not word:
        return None
    try:
        return BOOLEAN.validate_python(word)
    except PydanticValidationError:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "backs": _("Answer true or false.")}) from None


def backs_by_default(congress: Congress) -> bool:
    """Backs carry the voting PIN, so they print by default when somebody has one: a
    delegate of an official category (one that counts for the quorum) not withdrawn."""
    keys = [category.key for category in categories(congress) if category.counts_for_quorum]
    return bool(keys) and db.session.scalar(select(Delegate.id).where(
        Delegate.congress_id == congress.id, Delegate.category.in_(keys),
        Delegate.status != DelegateStatus.WITHDRAWN).limit(1)) is not None


def _with_backs(congress: Congress, backs: bool | None) -> bool:
    return backs_by_default(congress) if backs is None else backs


def _all_values(data, name: str):
    """One field's value, or every value of a field sent several times (?ids=1&ids=2)."""
    if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
        return data.getlist(name)
    return data.get(name)


def parse_selection(data) -> BadgeSelection:
    """A print run's choices from a form, a query string or a job's stored parameters."""
    category = str(data.get("category") or "").strip()[:40]
    delegation = str(data.get("delegation") or "").strip()[:200]
    return BadgeSelection(layout=parse_layout(data.get("layout")), category=category,
                          delegation=delegation, ids=parse_ids(_all_values(data, "ids")),
                          codes=parse_codes(_all_values(data, "codes")),
                          locale=parse_locale(data.get("lang") or data.get("locale")),
                          backs=parse_backs(data.get("backs")))


def _selected(query, congress: Congress, selection: BadgeSelection):
    query = of_group(query, congress, category=selection.category,
                     delegation=selection.delegation, ids=selection.ids)
    if selection.codes:
        query = query.where(func.upper(Delegate.code).in_(selection.codes))
    return query


def unknown_codes(congress: Congress, codes: list[str]) -> list[str]:
    """The codes no delegate of the congress has (a typo in a reprint list is told, not
    silently left out)."""
    known = set(db.session.scalars(select(func.upper(Delegate.code)).where(
        Delegate.congress_id == congress.id, func.upper(Delegate.code).in_(codes))))
    return [code for code in codes if code not in known]


def select_delegates(congress: Congress, selection: BadgeSelection) -> list[Delegate]:
    """The delegates of a print run, withdrawn ones left out, by delegation then code."""
    query = _selected(select(Delegate), congress, selection)
    return list(db.session.scalars(query.order_by(*HANDOUT_ORDER)))


def count_badges(congress: Congress, selection: BadgeSelection) -> int:
    return db.session.scalar(_selected(select(func.count(Delegate.id)), congress, selection))


# --- what each badge shows -----------------------------------------------------------------


def _cache_dir(kind: str) -> Path:
    return Path(current_app.instance_path) / "badge-cache" / kind


def _photo_thumbnail(path: Path) -> bytes:
    """A JPEG of the photo at badge size, made once per photo file version and kept."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    return read_or_make(_cache_dir("photos") / key[:2] / f"{key}.jpg",
                        lambda: cropped_jpeg(path, PHOTO_PIXELS))


PLACEHOLDER = "placeholder"


@cache
def placeholder_photo() -> bytes:
    """A neutral grey silhouette (PNG) for delegates without a photo."""
    from PIL import Image, ImageDraw

    width, height = PHOTO_PIXELS[0] // 2, PHOTO_PIXELS[1] // 2
    image = Image.new("RGB", (width, height), "#e4e6ea")
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.3, height * 0.18, width * 0.7, height * 0.53), fill="#b9bec7")
    draw.ellipse((width * 0.12, height * 0.58, width * 0.88, height * 1.25), fill="#b9bec7")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def photo_image(delegate: Delegate) -> tuple[str, bytes]:
    """The name and bytes of the delegate's photo at badge size, or of the placeholder."""
    path = photo_path(delegate)
    if path is None:
        return PLACEHOLDER, placeholder_photo()
    try:
        return f"photo-{delegate.id}", _photo_thumbnail(path)
    except (OSError, ValueError):  # an unreadable image prints the placeholder, not an error
        current_app.logger.warning("badge photo %s unreadable", path.name)
        return PLACEHOLDER, placeholder_photo()


def badge_views(congress: Congress, delegates: list[Delegate], layout: BadgeLayout,
                base_url: str, locale: str) -> list[BadgeView]:
    by_key = {category.key: category for category in categories(congress)}
    views = []
    for delegate in delegates:
        category = by_key.get(delegate.category)
        label = delegate.category if category is None else category_label(category, locale)
        color = category.color if category is not None else "#555555"
        texts = {"name": delegate.full_name, "position": delegate.position,
                 "unit": delegate.unit, "delegation": delegate.delegation, "category": label}
        try:
            qr_png = qr.qr_png(portal_url(delegate, base_url), _cache_dir("qr"))
        except qr.QrTooLarge:
            raise Conflict(_("The public address is too long for a badge QR code; shorten "
                             "PUBLIC_URL."), code="public_url_too_long") from None
        photo, photo_bytes = photo_image(delegate)
        qr_name = f"qr-{delegate.id}"
        fitted = fit_badge_texts(layout, texts)
        votes = category is not None and category.counts_for_quorum
        if votes:  # the back shows whose PIN it is
            fitted["back_name"] = layout.back.name.fit(delegate.full_name)
        views.append(BadgeView(
            code=delegate.code, seat=delegate.seat, color=color, ink=ink_for(color),
            photo=resource_url(photo),
            qr=resource_url(qr_name), texts=fitted,
            images={photo: photo_bytes, qr_name: qr_png},
            pin=badge_pin(delegate) if votes else ""))
    return views


def badges_html(congress: Congress, views: list[BadgeView], layout: BadgeLayout,
                locale: str, backs: bool = False) -> BadgeDocument:
    """The HTML of these badges; with `backs`, each page of fronts is followed by a page of
    their backs (see render.BackLayout)."""
    congress_name = layout.texts["congress"].fit(congress.name)
    fitted = [congress_name] + [text for view in views for text in view.texts.values()]
    back_texts = {}
    if backs:
        with force_locale(locale):
            note = _("Use it only on the delegate's own phone; do not tell anyone.")
        back_texts = {"congress": layout.back.congress.fit(congress.name),
                      "note": layout.back.note.fit(note)}
        fitted += back_texts.values()
    sizes = {text.size for text in fitted}
    heights = {view.texts[name].height for view in views for name in ("position", "unit")}
    colors = {}
    for view in views:
        colors.setdefault(view.color, (f"k{len(colors)}", view.ink))
    images = {name: data for view in views for name, data in view.images.items()}
    with force_locale(locale):
        html = render_template("badges/badges_pdf.html", layout=layout, badges=views,
                               marks=layout.cut_marks(), mark_length=CUT_MARK_LENGTH,
                               congress=congress_name, font_sizes=sorted(sizes),
                               box_heights=sorted(heights), colors=colors,
                               current_locale=locale, backs=backs, back_texts=back_texts)
    return BadgeDocument(html, images)


# --- rendering --------------------------------------------------------------------------------


def single_badge_pdf(actor: Actor, delegate: Delegate, base_url: str, *, layout: str = "a6",
                     locale: str | None = None, backs: bool | str | None = None) -> bytes:
    """One delegate's badge, for printing at the desk (check-in staff may do this); its back
    follows on a second page as in a print run (`backs`, by default as `backs_by_default`)."""
    authorize(actor, delegate.congress, Capability.VIEW_DELEGATES)
    if delegate.status == DelegateStatus.WITHDRAWN:
        raise Conflict(_("This delegate has withdrawn; their badge is not printed."),
                       code="delegate_withdrawn")
    chosen = LAYOUTS[parse_layout(layout)]
    locale = parse_locale(locale)
    backs = _with_backs(delegate.congress, parse_backs(backs))
    views = badge_views(delegate.congress, [delegate], chosen, base_url, locale)
    pdf = render_one(badges_html(delegate.congress, views, chosen, locale, backs))
    # A printed badge opens the doors: the log says who printed which one.
    record(actor, "badge.print", congress_id=delegate.congress_id,
           target=f"delegate:{delegate.code}", details={"layout": chosen.key, "backs": backs})
    db.session.commit()
    return pdf


def render_badges(congress: Congress, delegates: list[Delegate], layout: BadgeLayout,
                  base_url: str, locale: str, progress: Progress | None = None,
                  helpers: int | None = None, backs: bool = False) -> bytes:
    """The PDF of these delegates' badges (with `backs`, each page of fronts followed by a page
    of their backs); a long run also renders in helper processes."""
    if helpers is None:
        helpers = 0 if len(delegates) <= IN_PROCESS_LIMIT else HELPERS
    if not helpers:
        views = badge_views(congress, delegates, layout, base_url, locale)
        pdf = render_one(badges_html(congress, views, layout, locale, backs))
        if progress:
            progress(len(delegates))
        return pdf
    with RenderPool(helpers) as pool:  # started first: they load WeasyPrint while we prepare
        views = badge_views(congress, delegates, layout, base_url, locale)
        parts = [(badges_html(congress, views[start:end], layout, locale, backs), end - start)
                 for start, end in plan_parts(len(views), layout.per_page)]
        return merge_pdfs(pool.render(parts, progress))


def plan_parts(count: int, per_page: int) -> list[tuple[int, int]]:
    """The run's parts as (start, end) badge ranges of whole sheets, about PART_SIZE each."""
    step = max(1, round(PART_SIZE / per_page)) * per_page
    return [(start, min(start + step, count)) for start in range(0, count, step)]


def _nothing_to_print() -> ValidationFailed:
    return ValidationFailed(_("No delegate matches: there is no badge to print."),
                            code="no_badges")


def recent_runs(congress: Congress, limit: int = 5) -> list[Job]:
    """The congress's latest print runs, newest first, for the print page."""
    return list(db.session.scalars(
        select(Job).where(Job.congress_id == congress.id, Job.kind == BADGES_JOB)
        .order_by(Job.id.desc()).limit(limit)))


def start_badge_job(actor: Actor, congress: Congress, selection: BadgeSelection,
                    base_url: str) -> Job:
    """Queue a print run; a consumer renders it and keeps the PDF for download."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    if missing := unknown_codes(congress, selection.codes):
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "codes": _("No delegate has the code %(codes)s.", codes=", ".join(missing[:20]))})
    count = count_badges(congress, selection)
    if not count:
        raise _nothing_to_print()
    selection = replace(selection, backs=_with_backs(congress, selection.backs))
    record(actor, "badges.print", congress_id=congress.id,
           details=selection.to_dict() | {"badges": count})  # saved with the job
    return start_job(actor, congress, BADGES_JOB, selection.to_dict() | {"base_url": base_url})


@job_handler(BADGES_JOB, Capability.EDIT_DELEGATES, lazy_gettext("Badge print run"))
def run_badge_job(job: Job, progress) -> tuple[bytes, str, dict]:
    congress = db.session.get(Congress, job.congress_id)
    selection = parse_selection(job.params)
    delegates = select_delegates(congress, selection)
    if not delegates:  # all withdrawn since the job was queued
        raise _nothing_to_print()
    total = len(delegates)
    progress(0, total)
    pdf = render_badges(congress, delegates, LAYOUTS[selection.layout], job.params["base_url"],
                        selection.locale, progress=lambda done: progress(done, total),
                        backs=_with_backs(congress, selection.backs))
    return pdf, "pdf", {"badges": total, "layout": selection.layout}
