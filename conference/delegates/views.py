"""Delegate pages: the list, the form, one delegate with photo and badge, import and export."""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from conference.auth.service import Capability, can
from conference.badges.identity import portal_url, reissue_badge
from conference.congresses.service import get_congress
from conference.delegates import importing, photos, search, service
from conference.delegates.models import (
    CHOICE_LABELS,
    COMMON_ETHNICITIES,
    CREDENTIAL_FIELDS,
    GENDER_LABELS,
    STATUS_LABELS,
    DelegateStatus,
    Gender,
)
from conference.errors import ConferenceError, NotFound
from conference.i18n import category_label
from conference.jobs.models import JobStatus
from conference.jobs.service import wait_for
from conference.tables import XLSX_TYPE
from conference.urls import public_base_url
from conference.validation import record_id
from conference.votes.service import badge_pin
from conference.web import actor, file_response, form_page

bp = Blueprint("delegates", __name__)
JOB_WAIT = 3.0  # seconds an import page waits for its job before showing its progress

FILTERS = ("q", "category", "status", "delegation", "sort")


def _labels(congress) -> dict:
    """What the templates need to show keys as words."""
    cats = service.categories(congress)
    return {"category_labels": {c.key: category_label(c) for c in cats},
            "category_colors": {c.key: c.color for c in cats},
            "status_labels": {k.value: v for k, v in STATUS_LABELS.items()},
            "gender_labels": {k.value: v for k, v in GENDER_LABELS.items()},
            "choice_labels": {name: {k.value: v for k, v in labels.items()}
                              for name, labels in CHOICE_LABELS.items()},
            "credential_labels": CREDENTIAL_FIELDS}


def _filters() -> dict:
    return {name: request.args.get(name, "").strip() for name in FILTERS}


@bp.get("/manage/<int:congress_id>/delegates")
@login_required
def index(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.VIEW_DELEGATES)
    filters = _filters()
    found = search.search_delegates(
        congress, q=filters["q"], category=filters["category"], status=filters["status"],
        delegation=filters["delegation"], sort=filters["sort"] or "name",
        page=request.args.get("page", 1, type=record_id))

    def list_url(**changes) -> str:
        args = {k: v for k, v in (filters | changes).items() if v not in ("", None)}
        return url_for("delegates.index", congress_id=congress.id, **args)

    def export_url(kind: str) -> str:
        args = {k: v for k, v in filters.items() if v and k != "sort"}
        return url_for("delegates.export", congress_id=congress.id, kind=kind, **args)

    return render_template(
        "delegates/index.html", congress=congress, found=found, filters=filters,
        counts=search.delegate_counts(congress), delegations=search.delegations(congress),
        categories=service.categories(congress), list_url=list_url, export_url=export_url,
        may_edit=can(actor(), congress, Capability.EDIT_DELEGATES), **_labels(congress))


def _form(congress, delegate=None):
    if delegate is None:
        values = {"category": service.categories(congress)[0].key,
                  "status": DelegateStatus.REGISTERED.value}
        save = partial(service.create_delegate, actor(), congress)
        message = _("Delegate registered.")
    else:
        values = service.delegate_values(delegate)
        save = partial(service.update_delegate, actor(), delegate)
        message = _("Saved.")
    return form_page(
        "delegates/form.html", congress=congress, delegate=delegate, values=values,
        fields=service.FIELDS, save=save, message=message,
        done=lambda saved: url_for("delegates.detail", delegate_id=saved.id),
        category_options=[(c.key, category_label(c)) for c in service.categories(congress)],
        gender_options=[(g.value, GENDER_LABELS[g]) for g in
                        (Gender.UNSPECIFIED, Gender.MALE, Gender.FEMALE)],
        status_options=[(s.value, STATUS_LABELS[s]) for s in DelegateStatus],
        choice_options={name: [("", labels[""]), *((key.value, label) for key, label in
                                                   labels.items() if key)]
                        for name, labels in CHOICE_LABELS.items()},
        credential_labels=CREDENTIAL_FIELDS, ethnicities=COMMON_ETHNICITIES)


@bp.route("/manage/<int:congress_id>/delegates/new", methods=["GET", "POST"])
@login_required
def new(congress_id: int):
    return _form(get_congress(actor(), congress_id, Capability.EDIT_DELEGATES))


@bp.route("/manage/delegates/<int:delegate_id>/edit", methods=["GET", "POST"])
@login_required
def edit(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id, Capability.EDIT_DELEGATES)
    return _form(delegate.congress, delegate)


def _detail_page(delegate, photo_error: str = "", status: int = 200):
    congress = delegate.congress
    may_edit = can(actor(), congress, Capability.EDIT_DELEGATES)
    return render_template(
        "delegates/detail.html", congress=congress, delegate=delegate, may_edit=may_edit,
        photo_error=photo_error, checked_in=service.has_checked_in(delegate),
        portal_url=portal_url(delegate, public_base_url()) if may_edit else "",
        vote_pin=badge_pin(delegate) if may_edit else "",
        max_photo_mb=photos.MAX_PHOTO_BYTES // (1024 * 1024), **_labels(congress)), status


@bp.get("/manage/delegates/<int:delegate_id>")
@login_required
def detail(delegate_id: int):
    return _detail_page(service.get_delegate(actor(), delegate_id))


@bp.post("/manage/delegates/<int:delegate_id>/withdraw")
@login_required
def withdraw(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id, Capability.EDIT_DELEGATES)
    service.withdraw_delegate(actor(), delegate)
    flash(_("%(name)s is withdrawn: no longer expected, and the badge is refused at the door.",
            name=delegate.full_name))
    return redirect(url_for("delegates.detail", delegate_id=delegate.id))


@bp.post("/manage/delegates/<int:delegate_id>/delete")
@login_required
def delete(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id, Capability.EDIT_DELEGATES)
    congress_id, name = delegate.congress_id, delegate.full_name
    try:
        service.delete_delegate(actor(), delegate)
    except ConferenceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("delegates.detail", delegate_id=delegate_id))
    flash(_("%(name)s was deleted.", name=name))
    return redirect(url_for("delegates.index", congress_id=congress_id))


@bp.post("/manage/delegates/<int:delegate_id>/reissue")
@login_required
def reissue(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id, Capability.EDIT_DELEGATES)
    reissue_badge(actor(), delegate)
    flash(_("A new badge was issued; the old one no longer works. Print the new badge."))
    return redirect(url_for("delegates.detail", delegate_id=delegate.id))


@bp.post("/manage/delegates/<int:delegate_id>/photo")
@login_required
def upload_photo(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id, Capability.EDIT_DELEGATES)
    upload = request.files.get("photo")
    try:
        service.set_delegate_photo(actor(), delegate, upload.read() if upload else b"")
    except ConferenceError as exc:
        return _detail_page(delegate, photo_error=exc.message, status=exc.status)
    flash(_("Photo saved."))
    return redirect(url_for("delegates.detail", delegate_id=delegate.id))


@bp.post("/manage/delegates/<int:delegate_id>/photo/delete")
@login_required
def delete_photo(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id, Capability.EDIT_DELEGATES)
    service.remove_delegate_photo(actor(), delegate)
    flash(_("Photo removed."))
    return redirect(url_for("delegates.detail", delegate_id=delegate.id))


@bp.get("/manage/delegates/<int:delegate_id>/photo.jpg")
@login_required
def photo(delegate_id: int):
    delegate = service.get_delegate(actor(), delegate_id)
    path = photos.photo_path(delegate)
    if path is None:
        raise NotFound(_("This delegate has no photo."))
    # A new upload gets a new file name, so the name is a fine ETag. Read, not streamed: a
    # photo is small and a file left open by an unread response leaks a descriptor.
    response = Response(path.read_bytes(), mimetype="image/jpeg")
    response.set_etag(delegate.photo)
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@bp.get("/manage/<int:congress_id>/delegates/categories")
@login_required
def category_list(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    return render_template("delegates/categories.html", congress=congress,
                           categories=service.categories(congress))


def _category_form(congress, category=None):
    values = ({"label_vi": category.label_vi, "label_en": category.label_en,
               "words": category.words} if category else {})
    return form_page(
        "delegates/category_form.html", congress=congress, category=category, values=values,
        fields=("label_vi", "label_en", "words"), message=_("Saved."),
        save=partial(service.save_category, actor(), congress, category=category),
        done=lambda _saved: url_for("delegates.category_list", congress_id=congress.id))


@bp.route("/manage/<int:congress_id>/delegates/categories/new", methods=["GET", "POST"])
@login_required
def category_new(congress_id: int):
    return _category_form(get_congress(actor(), congress_id, Capability.EDIT_DELEGATES))


@bp.route("/manage/<int:congress_id>/delegates/categories/<int:category_id>",
          methods=["GET", "POST"])
@login_required
def category_edit(congress_id: int, category_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    return _category_form(congress, service.get_category(actor(), congress, category_id))


@bp.get("/manage/<int:congress_id>/delegates/import/template.xlsx")
@login_required
def import_template(congress_id: int):
    get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    return file_response(importing.template_file(), "danh-sach-dai-bieu.xlsx", XLSX_TYPE,
                         cache="private, max-age=3600")


@bp.route("/manage/<int:congress_id>/delegates/import", methods=["GET", "POST"])
@login_required
def import_upload(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    error, status = "", 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error, status = _("Choose the CSV or XLSX file of the list."), 422
        else:
            try:
                job = importing.stage_import(actor(), congress, upload.filename, upload.read())
            except ConferenceError as exc:
                error, status = exc.message, exc.status
            else:
                wait_for(job, JOB_WAIT)  # a list of a few hundred rows: its preview at once
                return redirect(url_for("delegates.import_job", congress_id=congress.id,
                                        job_id=job.id))
    return render_template("delegates/import.html", congress=congress, error=error,
                           max_mb=importing.MAX_IMPORT_MB,
                           categories=service.categories(congress)), status


@bp.get("/manage/<int:congress_id>/delegates/import/<int:job_id>")
@login_required
def import_job(congress_id: int, job_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    job = importing.get_import_job(actor(), congress, job_id)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    result = importing.localized_result(job.result or {}) if not running else {}
    return render_template("delegates/import_job.html", congress=congress, job=job,
                           result=result, running=running,
                           dry_run=job.params.get("dry_run", True), **_labels(congress),
                           field_labels=importing.field_labels(),
                           preview_fields=importing.preview_fields(result.get("columns", [])))


@bp.post("/manage/<int:congress_id>/delegates/import/<int:job_id>/confirm")
@login_required
def import_confirm(congress_id: int, job_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    job = importing.get_import_job(actor(), congress, job_id)
    try:
        new_job = importing.confirm_import(actor(), congress, job)
    except ConferenceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("delegates.import_job", congress_id=congress.id, job_id=job.id))
    wait_for(new_job, JOB_WAIT)
    return redirect(url_for("delegates.import_job", congress_id=congress.id, job_id=new_job.id))


@bp.get("/manage/<int:congress_id>/delegates/export.<any(csv, xlsx):kind>")
@login_required
def export(congress_id: int, kind: str):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    filters = _filters()
    filename, mimetype, data = search.export_delegates(
        actor(), congress, kind, q=filters["q"], category=filters["category"],
        status=filters["status"], delegation=filters["delegation"])
    return file_response(data, filename, mimetype, cache="private, no-store")
