"""Document pages: the organizers' list, upload, edit, versions, read log and comments; the
files as delegates (through their badge) and the public open them."""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.service import ordered_sessions
from conference.auth.service import Capability
from conference.badges.identity import find_badge
from conference.congresses.service import get_congress, get_public_congress
from conference.documents import service
from conference.documents.models import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    VISIBILITY_LABELS,
    DocumentStatus,
)
from conference.errors import ConferenceError, NotFound, ValidationFailed
from conference.portal.views import bp as portal_bp
from conference.token_pages import miss_limit
from conference.validation import optional_id
from conference.web import actor, file_response, form_page, form_values, safe_next

bp = Blueprint("documents", __name__)

UPLOAD_FIELDS = service.UPLOAD_FIELDS


def _options(congress) -> dict:
    """The choices of the document form, as (value, label) pairs."""
    return {"category_options": [(k.value, v) for k, v in CATEGORY_LABELS.items()],
            "visibility_options": [(k.value, v) for k, v in VISIBILITY_LABELS.items()],
            "status_options": [(k.value, v) for k, v in STATUS_LABELS.items()],
            "session_options": [("", _("No session"))] + [
                (s.id, s.title) for s in ordered_sessions(congress)]}


def _labels() -> dict:
    return {"category_labels": CATEGORY_LABELS, "visibility_labels": VISIBILITY_LABELS,
            "status_labels": STATUS_LABELS}


def send_version(document, version, cache: str):
    """The file with its real type: PDFs open in the browser, the rest download; ranges work."""
    response = send_file(
        service.file_path(document, version), mimetype=version.content_type,
        as_attachment=version.kind != "pdf", download_name=version.filename,
        conditional=True, etag=version.sha256, max_age=None)
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- organizers --------------------------------------------------------------------------------


def _index_page(congress, values: dict | None = None, errors: dict | None = None,
                status: int = 200):
    counts = service.read_counts(actor(), congress)["per_document"]
    return render_template(
        "documents/index.html", congress=congress,
        documents=service.list_documents(actor(), congress), counts=counts,
        values=values or {"category": "other", "visibility": "delegates", "status": "draft"},
        errors=errors or {}, max_mb=service.max_document_mb(),
        **_options(congress), **_labels()), status


def _upload() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return "", b""
    return upload.filename, upload.read()


@bp.get("/manage/<int:congress_id>/documents")
@login_required
def index(congress_id: int):
    return _index_page(get_congress(actor(), congress_id, Capability.EDIT_CONGRESS))


@bp.post("/manage/<int:congress_id>/documents")
@login_required
def upload(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    values = form_values(UPLOAD_FIELDS)
    try:
        document = service.create_document(actor(), congress, values, *_upload())
    except ConferenceError as exc:
        return _index_page(congress, values, exc.fields or {"_": exc.message}, exc.status)
    flash(_("Document uploaded."))
    return redirect(url_for("documents.edit", document_id=document.id))


def _edit_context(document, version_error: str = "") -> dict:
    """What the edit page shows besides the form's values and errors."""
    return {"congress": document.congress, "document": document,
            "version_error": version_error,
            "max_mb": service.max_document_mb(),
            **_options(document.congress), **_labels()}


@bp.route("/manage/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    document = service.get_document(actor(), document_id)
    return form_page(
        "documents/edit.html", values=service.document_values(document), fields=UPLOAD_FIELDS,
        save=partial(service.update_document, actor(), document),
        done=lambda saved: url_for("documents.edit", document_id=saved.id),
        message=_("Saved."), **_edit_context(document))


@bp.post("/manage/documents/<int:document_id>/versions")
@login_required
def new_version(document_id: int):
    document = service.get_document(actor(), document_id)
    try:
        version = service.add_version(actor(), document, *_upload())
    except ConferenceError as exc:
        return render_template("documents/edit.html", values=service.document_values(document),
                               errors={}, **_edit_context(document, exc.message)), exc.status
    flash(_("Version %(n)d uploaded; delegates now get this one.", n=version.number))
    return redirect(url_for("documents.edit", document_id=document.id))


@bp.post("/manage/documents/<int:document_id>/delete")
@login_required
def delete(document_id: int):
    document = service.get_document(actor(), document_id)
    congress_id, title = document.congress_id, document.title
    service.delete_document(actor(), document)
    flash(_("“%(title)s” was deleted.", title=title))
    return redirect(url_for("documents.index", congress_id=congress_id))


@bp.get("/manage/documents/<int:document_id>/versions/<int:number>")
@login_required
def version_file(document_id: int, number: int):
    document = service.get_document(actor(), document_id)
    return send_version(document, service.get_version(document, number), "private, no-store")


@bp.get("/manage/<int:congress_id>/documents/reads")
@login_required
def reads(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    return render_template("documents/reads.html", congress=congress,
                           documents=service.list_documents(actor(), congress),
                           **service.read_counts(actor(), congress))


@bp.get("/manage/<int:congress_id>/documents/reads.csv")
@login_required
def reads_csv(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    return _download(service.export_reads(actor(), congress))


def _download(export: tuple[str, str, bytes]):
    """Send an export (name, type, bytes); it holds personal data, so nothing caches it."""
    filename, mimetype, data = export
    return file_response(data, filename, mimetype, cache="private, no-store")


def _comment_filters() -> dict:
    """The comment list's filters from the query string; wrong values are ignored."""
    handled = request.args.get("handled", "")
    return {"document_id": optional_id(request.args.get("document_id")),
            "handled": {"yes": True, "no": False}.get(handled)}


@bp.get("/manage/<int:congress_id>/comments")
@login_required
def comments(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    filters = _comment_filters()
    args = {"document_id": request.args.get("document_id", ""),
            "handled": request.args.get("handled", "")}
    return render_template(
        "documents/comments.html", congress=congress,
        comments=service.list_comments(actor(), congress, **filters),
        documents=service.list_documents(actor(), congress), args=args,
        export_args={k: v for k, v in args.items() if v})


@bp.post("/manage/comments/<int:comment_id>/handled")
@login_required
def comment_handled(comment_id: int):
    comment = service.get_comment(actor(), comment_id)
    service.set_comment_handled(actor(), comment, request.form.get("handled") == "1")
    return redirect(safe_next(request.form.get("back"), url_for(
        "documents.comments", congress_id=comment.document.congress_id)))


@bp.get("/manage/<int:congress_id>/comments.<any(csv, xlsx):kind>")
@login_required
def comments_export(congress_id: int, kind: str):
    congress = get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    return _download(service.export_comments(actor(), congress, kind, **_comment_filters()))


def send_thumbnail(document, cache: str) -> Response:
    path = service.thumbnail(document)
    if path is None:
        raise NotFound(_("This document has no thumbnail."), code="no_thumbnail")
    # Small: read at once rather than hold a file open per request.
    response = Response(path.read_bytes(), mimetype="image/png")
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/manage/documents/<int:document_id>/thumbnail.png")
@login_required
def thumbnail(document_id: int):
    return send_thumbnail(service.get_document(actor(), document_id), "private, no-cache")


# --- the public page ---------------------------------------------------------------------------


@bp.get("/c/<slug>/documents/<int:document_id>")
def public_file(slug: str, document_id: int):
    document = service.public_document(get_public_congress(slug), document_id)
    return send_version(document, service.get_version(document), "no-cache")


@bp.get("/c/<slug>/documents/<int:document_id>/thumbnail.png")
def public_thumbnail(slug: str, document_id: int):
    return send_thumbnail(service.public_document(get_public_congress(slug), document_id),
                          "no-cache")


@bp.app_template_global()
def document_thumbnail(document) -> bool:
    """Whether the document's current version has a thumbnail to show."""
    return service.thumbnail(document) is not None


@bp.app_template_global()
def public_documents(congress):
    """For templates/congresses/_public_documents.html."""
    return service.public_documents(congress)


@bp.app_template_global()
def portal_documents(delegate):
    """For templates/portal/_documents.html."""
    return service.delegate_documents(delegate)


# --- delegates, through their badge (on the portal's blueprint: its headers and rate limit) ---


def _opens_the_file() -> bool:
    """A first request for the file, not the next part of a ranged download or a HEAD."""
    if request.method != "GET":
        return False
    ranges = request.range.ranges if request.range else None
    return not ranges or ranges[0][0] == 0


@portal_bp.get("/b/<token>/documents/<int:document_id>")
@miss_limit
def portal_file(token: str, document_id: int):
    delegate = find_badge(token)
    document = service.delegate_document(delegate, document_id)
    version = service.get_version(document)
    response = send_version(document, version, "no-store")
    if _opens_the_file():
        service.record_read(delegate, document)
    return response


@portal_bp.route("/b/<token>/documents/<int:document_id>/comment", methods=["GET", "POST"])
@miss_limit
def portal_comment(token: str, document_id: int):
    delegate = find_badge(token)
    document = service.delegate_document(delegate, document_id)
    values, errors, status = {"section": "", "text": ""}, {}, 200
    if request.method == "POST":
        values = form_values(("section", "text"))
        try:
            service.send_comment(actor(), delegate, document.id, values)
        except ValidationFailed as exc:
            errors, status = exc.fields, exc.status
        else:
            flash(_("Thank you: your comment was sent to the drafting team."))
            return redirect(url_for("portal.badge", token=token) + "#documents", code=303)
    return render_template("documents/comment.html", congress=delegate.congress,
                           delegate=delegate, document=document, values=values, errors=errors,
                           token=token, max_length=service.MAX_COMMENT_LENGTH,
                           closed=document.status != DocumentStatus.DRAFT), status
