"""Document spaces (per organization and field), documents on requests, trash and quotas.

Every object is looked up by id and then checked by the policy: a folder, document or
version of another organization (or another field, or behind another request's URL) answers
404, as does anything the user may not see.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from extranet.access import service as access
from extranet.documents import service
from extranet.documents.forms import (
    FolderForm,
    MoveForm,
    QuotaForm,
    RenameForm,
    UploadForm,
    VisibilityForm,
)
from extranet.documents.models import VISIBILITY, Document, DocumentVersion, Folder
from extranet.documents.rules import visible_documents
from extranet.extensions import db
from extranet.files import downloads, quota, uploads
from extranet.files.names import sanitize_filename
from extranet.organizations.models import Organization
from extranet.plugins import host
from extranet.policy import can, current_organization, require
from extranet.requests.models import Attachment, Message, ServiceRequest
from extranet.web.htmx import hx_redirect, render, wants_fragment
from extranet.web.ids import page_arg, read_id
from extranet.web.lookups import request_or_404, row_or_404, signed_in_user
from extranet.web.pager import Keys, bounded_page

bp = Blueprint("documents", __name__, url_prefix="/documents")



# -- lookups (404 for anything out of scope) ----------------------------------------------------


def _check_field(field: str) -> None:
    if field not in host().fields:
        abort(404)


def _org_param() -> int | None:
    """``?org=``: the organization whose space is shown; one that cannot be an id is a 404, as
    an organization that does not exist."""
    value = request.values.get("org", "")
    if not value:
        return None
    org_id = read_id(value)
    if org_id is None:
        abort(404)
    return org_id


def _space(field: str) -> Organization:
    """The organization whose space is shown: ``?org=`` (staff, or a member of several), else
    the current one."""
    _check_field(field)
    org_id = _org_param()
    org = db.session.get(Organization, org_id) if org_id else current_organization()
    if org is None:
        abort(404)
    require("documents.space", (org, field))
    return org


def _in_scope(obj, field: str) -> None:
    if obj is None or obj.field != field or obj.organization_id is None:
        abort(404)
    org_id = _org_param()
    if org_id is not None and org_id != obj.organization_id:
        abort(404)


def _in_space(model, field: str, row_id: int, action: str):
    """The folder or document of the field's space with this id, if the reader may do ``action``
    on it; else 404."""
    _check_field(field)
    row = db.session.get(model, row_id)
    _in_scope(row, field)
    require(action, row)
    return row


def _folder(field: str, folder_id: int, action: str = "documents.space") -> Folder:
    return _in_space(Folder, field, folder_id, action)


def _document(field: str, doc_id: int, action: str = "document.view") -> Document:
    return _in_space(Document, field, doc_id, action)


def _target_folder(org: Organization, field: str, value) -> Folder | None:
    """A folder of this space chosen in a form (0 or empty: the root); 400 when the form sends
    what cannot be a folder's id, 404 for a folder that is not one of this space."""
    value = str(value or "0").strip()
    if value == "0":
        return None
    folder_id = read_id(value)
    if folder_id is None:
        abort(400)
    folder = db.session.get(Folder, folder_id)
    if folder is None or folder.organization_id != org.id or folder.field != field:
        abort(404)
    return folder


def _request(field: str, reference: str) -> ServiceRequest:
    _check_field(field)
    req = request_or_404(reference)  # 404 unless visible
    if req.field != field:
        abort(404)
    return req


# -- urls and choices ---------------------------------------------------------------------------


def space_url(org: Organization, field: str, folder: Folder | None = None) -> str:
    if folder is not None:
        return url_for("documents.folder", field=field, folder_id=folder.id, org=org.id)
    return url_for("documents.space", field=field, org=org.id)


def document_url(doc: Document) -> str:
    return url_for("documents.document", field=doc.field, doc_id=doc.id, org=doc.organization_id)


def _visibility_choices(field: str, on_request: bool) -> list[tuple[str, str]]:
    keys = ["org"] + (["restricted"] if on_request else [])
    if can(signed_in_user(), "documents.internal", field):
        keys.append("internal")
    return [(k, VISIBILITY[k]) for k in keys]


def _upload_form(field: str, on_request: bool, submitted: bool = True, default_visibility="org") -> UploadForm:
    form = UploadForm() if submitted else UploadForm(formdata=None, visibility=default_visibility)
    form.visibility.choices = _visibility_choices(field, on_request)
    form.category.choices = [("", _("No category"))] + [(c.slug, c.label) for c in service.categories_of(field)]
    return form


def _folder_choices(org: Organization, field: str, exclude: Folder | None = None) -> list[tuple[int, str]]:
    choices = [(0, _("Top of the space"))]
    skipping_depth = None
    for f, depth in service.folder_tree(org, field):
        if skipping_depth is not None and depth > skipping_depth:
            continue  # inside the excluded folder
        skipping_depth = None
        if exclude is not None and f.id == exclude.id:
            skipping_depth = depth
            continue
        choices.append((f.id, "\u2003" * depth + f.name))
    return choices


@bp.app_template_global()
def usage_percent(used: int, quota: int) -> str:
    return format_percent(used / quota if quota else 1, "#,##0.#%")


@bp.context_processor
def _helpers():
    return {"space_url": space_url, "document_url": document_url, "visibility_labels": VISIBILITY}


# -- the space ----------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    user = signed_in_user()
    org = current_organization()
    fields = [f for f in host().enabled_fields() if org is not None and can(user, "documents.space", (org, f.slug))]
    staff = []
    staff_fields = [f for f in host().enabled_fields() if can(user, "documents.internal", f.slug)]
    if staff_fields:
        orgs = db.session.scalars(
            select(Organization).where(Organization.active.is_(True))
            .options(selectinload(Organization.subscriptions)).order_by(Organization.name)
        ).all()
        staff = [(f, [o for o in orgs if can(user, "documents.space", (o, f.slug))]) for f in staff_fields]
    return render("documents/index.html", organization=org, fields=fields, staff_fields=staff)


def _space_context(org: Organization, field: str, folder: Folder | None, **overrides):
    user = signed_in_user()
    query = visible_documents(user, org, field).options(
        selectinload(Document.versions).selectinload(DocumentVersion.uploader)
    )
    query = query.where(Document.folder_id.is_(None) if folder is None else Document.folder_id == folder.id)
    categories = {c.slug: c.label for c in service.categories_of(field)}
    category = request.args.get("category", "")
    if category in categories:  # an unknown one is no filter, never an error
        query = query.where(Document.category == category)
    else:
        category = ""
    documents = bounded_page(  # a folder may hold thousands (100,000 documents at ×10)
        query.order_by(Document.title, Document.id), Keys("t", (Document.title, False), (Document.id, False)))
    subfolders = db.session.scalars(
        select(Folder).where(
            Folder.organization_id == org.id, Folder.field == field,
            Folder.parent_id.is_(None) if folder is None else Folder.parent_id == folder.id,
        ).order_by(Folder.name)
    ).all()
    context = {
        "organization": org,
        "field": host().fields[field],
        "folder": folder,
        "path": service.ancestors(folder),
        "subfolders": subfolders,
        "documents": documents,
        "upload_form": _upload_form(field, on_request=False, submitted=False),
        "folder_form": FolderForm(formdata=None),
        "upload_action": url_for("documents.upload", field=field, org=org.id, folder=folder.id if folder else 0),
        "upload_errors": [],
        "folder_errors": [],
        "categories": categories,
        "category": category,
    }
    if can(user, "documents.usage", org):
        context["usage"] = quota.usage_of(org)
        context["quota"] = quota.quota_of(org)
    if folder is not None and can(user, "folder.manage", folder):
        context["rename_folder_form"] = FolderForm(formdata=None, prefix="rename", name=folder.name)
        move = MoveForm(formdata=None, folder=folder.parent_id or 0)
        move.folder.choices = _folder_choices(org, field, exclude=folder)
        context["move_folder_form"] = move
    context.update(overrides)
    return context


def _render_space(org, field, folder, status=200, **overrides):
    return render("documents/space.html", "documents/_space.html",
                  status=status, **_space_context(org, field, folder, **overrides))


@bp.get("/<field>/")
@login_required
def space(field: str):
    org = _space(field)
    return _render_space(org, field, None)


@bp.get("/<field>/folders/<id:folder_id>")
@login_required
def folder(field: str, folder_id: int):
    found = _folder(field, folder_id)
    return _render_space(found.organization, field, found)


@bp.post("/<field>/folders")
@login_required
def create_folder(field: str):
    org = _space(field)
    require("folder.manage", (org, field))
    parent = _target_folder(org, field, request.form.get("parent"))
    form = FolderForm()
    if form.validate_on_submit():
        try:
            created = service.create_folder(org, field, parent, form.name.data, signed_in_user())
        except service.FolderError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("The folder “%(name)s” is created.", name=created.name), "success")
            return hx_redirect(space_url(org, field, created))
    return _render_space(org, field, parent, status=422, folder_form=form)


@bp.post("/<field>/folders/<id:folder_id>/rename")
@login_required
def rename_folder(field: str, folder_id: int):
    found = _folder(field, folder_id, "folder.manage")
    form = FolderForm(prefix="rename")
    if form.validate_on_submit():
        try:
            service.rename_folder(found, form.name.data)
        except service.FolderError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("The folder is renamed."), "success")
            return hx_redirect(space_url(found.organization, field, found))
    db.session.rollback()
    return _render_space(found.organization, field, found, status=422, rename_folder_form=form)


@bp.post("/<field>/folders/<id:folder_id>/move")
@login_required
def move_folder(field: str, folder_id: int):
    found = _folder(field, folder_id, "folder.manage")
    parent = _target_folder(found.organization, field, request.form.get("folder"))
    try:
        service.move_folder(found, parent)
    except service.FolderError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The folder is moved."), "success")
    return hx_redirect(space_url(found.organization, field, found))


@bp.post("/<field>/folders/<id:folder_id>/delete")
@login_required
def delete_folder(field: str, folder_id: int):
    found = _folder(field, folder_id, "folder.manage")
    org, parent = found.organization, found.parent
    try:
        service.delete_folder(found)
    except service.FolderError as error:
        flash(str(error), "error")
        return hx_redirect(space_url(org, field, found))
    db.session.commit()
    flash(_("The folder is deleted."), "success")
    return hx_redirect(space_url(org, field, parent))


# -- uploads ------------------------------------------------------------------------------------


def _answer_upload(outcomes, fragment, back: str):
    """Each file's outcome, shown once. HTMX: ``fragment(outcomes=…)`` lists them next to the
    file input (422 when nothing was saved). Without JavaScript: when something was saved, a
    message per file and a redirect (reloading must not upload the saved files again); when
    nothing was, the form again with the reasons, as any refused form."""
    saved = any(o.document for o in outcomes)
    if wants_fragment() or not saved:
        return fragment(outcomes=outcomes, status=200 if saved else 422)
    for outcome in outcomes:
        flash(outcome.message, "success" if outcome.document else "error")
    return redirect(back, 303)


@bp.post("/<field>/upload")
@login_required
def upload(field: str):
    org = _space(field)
    require("document.upload", (org, field))
    folder = _target_folder(org, field, request.values.get("folder"))
    form = _upload_form(field, on_request=False)
    errors = []
    if form.validate_on_submit():
        try:
            outcomes = upload_each(
                request.files.getlist("files"), org=org, field=field, user=signed_in_user(), folder=folder,
                visibility=form.visibility.data, category=form.category.data or None,
            )
        except service.UploadRefused as refused:
            errors = [str(refused)]
        else:
            return _answer_upload(
                outcomes, lambda **answer: _render_space(org, field, folder, upload_form=form, **answer),
                space_url(org, field, folder),
            )
    return _render_space(org, field, folder, status=422, upload_form=form, upload_errors=errors)


def _commit_file(saved, build):
    """``build(saved)`` adds the rows of one stored file, then commit; on any failure roll back
    and delete the stored object, so that neither a file nor a row is left."""
    try:
        result = build(saved)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        uploads.discard([saved])
        raise
    return result


def upload_each(files, *, field: str, category: str | None, user, **where) -> list[service.Outcome]:
    """Each file is its own upload: a document committed on its own, then told to the
    listeners, or refused with the reason and nothing of it kept; a refused file never costs
    the others. Raises ``UploadRefused`` (nothing kept) when no file is chosen or the category
    is unknown."""
    chosen = service.category_of(field, category)
    files = uploads.uploads_of(files)
    if not files:
        raise service.UploadRefused(_("Choose at least one file."))
    outcomes = []
    for upload in files:
        name = sanitize_filename(upload.filename)
        try:
            doc = _commit_file(uploads.store_one(upload), lambda saved: service.add_document(
                saved, field=field, category=chosen, user=user, **where))
        except service.UploadRefused as refused:
            outcomes.append(service.Outcome(name, refusal=str(refused)))
            continue
        outcomes.append(service.Outcome(name, document=doc))
        host().after_commit("extranet_document_uploaded", document=doc, user=user)
    return outcomes


# -- one document -------------------------------------------------------------------------------


def _document_context(doc: Document, **overrides):
    user = signed_in_user()
    context = {
        "doc": doc,
        "organization": doc.organization,
        "field": host().fields[doc.field],
        "path": service.ancestors(doc.folder),
        "versions": list(reversed(doc.versions)),
        "upload_errors": [],
        "refusal": downloads.refusal,
    }
    if can(user, "document.manage", doc):
        context["rename_form"] = RenameForm(formdata=None, title=doc.title)
        visibility = VisibilityForm(formdata=None, visibility=doc.visibility)
        visibility.visibility.choices = _visibility_choices(doc.field, doc.request_id is not None)
        if doc.visibility not in dict(visibility.visibility.choices):
            visibility.visibility.choices.append((doc.visibility, VISIBILITY[doc.visibility]))
        context["visibility_form"] = visibility
        if doc.request_id is None:
            move = MoveForm(formdata=None, folder=doc.folder_id or 0)
            move.folder.choices = _folder_choices(doc.organization, doc.field)
            context["move_form"] = move
    context.update(overrides)
    return context


def _render_document(doc: Document, status=200, **overrides):
    return render("documents/document.html", "documents/_document.html", status=status,
                  **_document_context(doc, **overrides))


@bp.get("/<field>/files/<id:doc_id>")
@login_required
def document(field: str, doc_id: int):
    doc = _document(field, doc_id)
    access.note_document(signed_in_user(), doc)
    return _render_document(doc)


@bp.post("/<field>/files/<id:doc_id>/versions")
@login_required
def new_version(field: str, doc_id: int):
    doc = _document(field, doc_id, "document.manage")
    chosen = uploads.uploads_of(request.files.getlist("files"))
    try:
        if len(chosen) != 1:
            raise service.UploadRefused(_("Choose one file for the new version."))
        version = _commit_file(uploads.store_one(chosen[0]), lambda saved: service.add_version(doc, saved, signed_in_user()))
    except service.UploadRefused as refused:
        return _render_document(doc, status=422, upload_errors=[str(refused)])
    host().after_commit("extranet_document_uploaded", document=doc, user=signed_in_user())
    outcome = service.Outcome(version.filename, document=doc, number=version.number)
    if wants_fragment():
        return _render_document(doc, outcomes=[outcome])
    flash(outcome.message, "success")
    return redirect(document_url(doc), 303)


@bp.get("/<field>/files/<id:doc_id>/versions/<id:number>")
@login_required
def download(field: str, doc_id: int, number: int):
    doc = _document(field, doc_id)
    version = db.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == doc.id, DocumentVersion.number == number)
    )
    if version is None:
        abort(404)
    response = service.send_version(version)
    db.session.commit()
    access.note_document(signed_in_user(), doc)
    return response


def _change(field: str, doc_id: int, form_class, apply, message):
    doc = _document(field, doc_id, "document.manage")
    context = _document_context(doc)
    form = form_class()
    if form_class is VisibilityForm:
        form.visibility.choices = context["visibility_form"].visibility.choices
    elif form_class is MoveForm:
        if "move_form" not in context:
            abort(404)
        form.folder.choices = context["move_form"].folder.choices
    if form.validate_on_submit():
        apply(doc, form)
        db.session.commit()
        flash(message, "success")
        return hx_redirect(document_url(doc))
    key = {RenameForm: "rename_form", VisibilityForm: "visibility_form", MoveForm: "move_form"}[form_class]
    return render("documents/document.html", "documents/_document.html", status=422, **{**context, key: form})


@bp.post("/<field>/files/<id:doc_id>/rename")
@login_required
def rename(field: str, doc_id: int):
    return _change(field, doc_id, RenameForm, lambda doc, form: service.rename(doc, form.title.data),
                   _("The document is renamed."))


@bp.post("/<field>/files/<id:doc_id>/move")
@login_required
def move(field: str, doc_id: int):
    def apply(doc, form):
        service.move(doc, _target_folder(doc.organization, field, form.folder.data))

    return _change(field, doc_id, MoveForm, apply, _("The document is moved."))


@bp.post("/<field>/files/<id:doc_id>/visibility")
@login_required
def visibility(field: str, doc_id: int):
    return _change(field, doc_id, VisibilityForm,
                   lambda doc, form: service.set_visibility(doc, form.visibility.data),
                   _("Who can see the document is changed."))


@bp.route("/<field>/files/<id:doc_id>/delete", methods=["GET", "POST"])
@login_required
def delete(field: str, doc_id: int):
    """GET: the confirmation page (works without JavaScript); POST: to the trash."""
    doc = _document(field, doc_id, "document.manage")
    back = (url_for("requests.detail", reference=doc.request.reference) if doc.request_id is not None
            else space_url(doc.organization, field, doc.folder))
    if request.method == "GET":
        return render("documents/confirm.html", doc=doc, organization=doc.organization,
                      field=host().fields[field], action="delete", cancel=document_url(doc))
    service.trash(doc, signed_in_user())
    db.session.commit()
    flash(_("“%(title)s” is in the trash. It can be restored for %(days)d days.", title=doc.title,
            days=service.TRASH_DAYS), "success")
    return hx_redirect(back)


# -- trash --------------------------------------------------------------------------------------


@bp.get("/<field>/trash")
@login_required
def trash(field: str):
    org = _space(field)
    require("document.purge", (org, field))
    user = signed_in_user()
    deleted = db.session.scalars(
        select(Document).where(
            Document.organization_id == org.id, Document.field == field, Document.deleted_at.is_not(None)
        ).options(selectinload(Document.versions)).order_by(Document.deleted_at.desc(), Document.id.desc())
    ).all()
    items = [d for d in deleted if can(user, "document.purge", d)]
    size = current_app.config["PAGE_SIZE"]
    page = page_arg(size)
    pages = max((len(items) + size - 1) // size, 1)
    return render("documents/trash.html", organization=org, field=host().fields[field],
                  items=items[(page - 1) * size: page * size], page=page, pages=pages,
                  expires_at=service.trash_expires_at)


@bp.post("/<field>/trash/<id:doc_id>/restore")
@login_required
def restore(field: str, doc_id: int):
    doc = _document(field, doc_id, "document.restore")
    service.restore(doc)
    db.session.commit()
    flash(_("“%(title)s” is restored.", title=doc.title), "success")
    return hx_redirect(url_for("documents.trash", field=field, org=doc.organization_id))


@bp.route("/<field>/trash/<id:doc_id>/purge", methods=["GET", "POST"])
@login_required
def purge(field: str, doc_id: int):
    doc = _document(field, doc_id, "document.purge")
    back = url_for("documents.trash", field=field, org=doc.organization_id)
    if request.method == "GET":
        return render("documents/confirm.html", doc=doc, organization=doc.organization,
                      field=host().fields[field], action="purge", cancel=back)
    title = doc.title
    stored = service.purge(doc)
    db.session.commit()
    service.remove_stored(stored)
    flash(_("“%(title)s” is deleted for good.", title=title), "success")
    return hx_redirect(back)


# -- documents of a request -----------------------------------------------------------------------


def request_files(req: ServiceRequest, user) -> list[tuple[str, object]]:
    """Every file of a request in one list, oldest first: its documents ("document") and the
    files of its messages ("attachment"), each only where the user may see it (an internal
    note's files for those who see internal notes)."""
    # Joined, not "select in": two statements whether the request has files or not, as the
    # request page that renders this list must (tests/test_bench_pages.py).
    docs = db.session.scalars(
        select(Document).where(Document.request_id == req.id, Document.deleted_at.is_(None))
        .options(joinedload(Document.versions), joinedload(Document.created_by))
    ).unique().all()
    attached = db.session.scalars(
        select(Attachment).join(Message, Attachment.message_id == Message.id).where(Message.request_id == req.id)
        .options(contains_eager(Attachment.message).joinedload(Message.author))
    ).all()
    files = [(d.created_at, "document", d) for d in docs if can(user, "document.view", d)]
    files += [(a.created_at, "attachment", a) for a in attached if can(user, "message.view", a.message)]
    return [(kind, f) for _at, kind, f in sorted(files, key=lambda item: (item[0], item[1], item[2].id))]


def _request_context(req: ServiceRequest, **overrides):
    user = signed_in_user()
    context = {
        "req": req,
        "request_files": request_files(req, user),
        "upload_form": _upload_form(req.field, on_request=True, submitted=False,
                                    default_visibility="restricted" if req.is_restricted else "org"),
        "upload_errors": [],
        "may_upload": can(user, "document.upload", req),
    }
    context.update(overrides)
    return context


def request_panel(req: ServiceRequest) -> Markup:
    """The documents card as the request page holds it, rendered with the page (the core's panel:
    readable without JavaScript); its uploads update it in place as the lazy card's do. The page
    lists it only for a viewer of the request, and each file by the policy."""
    # On another blueprint's page: this blueprint's template helpers are passed by hand.
    html = render_template("documents/_request_panel.html", **_helpers(), **_request_context(req))
    return Markup(html)  # noqa: S704 - a template of ours, autoescaped


@bp.get("/<field>/requests/<reference>")
@login_required
def request_documents(field: str, reference: str):
    """The request page's documents panel (its card, with HTMX), or their own page."""
    req = _request(field, reference)
    return render("documents/request.html", "documents/_request_panel.html", **_request_context(req))


@bp.post("/<field>/requests/<reference>/upload")
@login_required
def request_upload(field: str, reference: str):
    req = _request(field, reference)
    require("document.upload", req)
    form = _upload_form(field, on_request=True)
    errors = []
    if form.validate_on_submit():
        try:
            outcomes = upload_each(
                request.files.getlist("files"), org=req.organization, field=field, user=signed_in_user(), request=req,
                visibility=form.visibility.data, category=form.category.data or None,
            )
        except service.UploadRefused as refused:
            errors = [str(refused)]
        else:
            return _answer_upload(
                outcomes,
                lambda status, **answer: render(
                    "documents/request.html", "documents/_request_documents_body.html", status=status,
                    **_request_context(req, upload_form=form, **answer),
                ),
                # without JavaScript, the panel's placeholder (its link) is what the page holds
                url_for("requests.detail", reference=req.reference) + "#panel-documents",
            )
    return render("documents/request.html", "documents/_request_documents_body.html", status=422,
                  **_request_context(req, upload_form=form, upload_errors=errors))


# -- quotas (admins) ----------------------------------------------------------------------------


GB = Decimal(10**9)


@bp.get("/quotas")
@login_required
def quotas(forms=None, status=200):
    require("documents.quotas")
    page = db.paginate(
        select(Organization).order_by(Organization.name), page=page_arg(current_app.config["PAGE_SIZE"]),
        per_page=current_app.config["PAGE_SIZE"], error_out=False,
    )
    usage = quota.usage_by_organization([o.id for o in page.items])
    forms = forms or {}
    rows = []
    for org in page.items:
        form = forms.get(org.id) or QuotaForm(
            formdata=None, prefix=f"org{org.id}",
            quota=(Decimal(org.storage_quota) / GB).quantize(Decimal("0.1")) if org.storage_quota is not None else None,
        )
        rows.append((org, usage.get(org.id, 0), quota.quota_of(org), form))
    return render("documents/quotas.html", page=page, rows=rows,
                  default_quota=current_app.config["DOCUMENT_QUOTA"], status=status)


@bp.post("/quotas/<id:org_id>")
@login_required
def set_quota(org_id: int):
    require("documents.quotas")
    org = row_or_404(Organization, org_id)
    form = QuotaForm(prefix=f"org{org.id}")
    if not form.validate_on_submit():
        return quotas(forms={org.id: form}, status=422)
    service.set_storage_quota(org, int(form.quota.data * GB) if form.quota.data is not None else None)
    db.session.commit()
    flash(_("The storage quota of %(name)s is saved.", name=org.name), "success")
    return hx_redirect(url_for("documents.quotas", page=request.args.get("page")))
