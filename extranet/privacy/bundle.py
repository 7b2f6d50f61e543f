"""What an export of a person's data holds, written as a ZIP of JSON files and the files they
uploaded. Everything is read under the one confidentiality rule
(``requests.rules.openable_requests``): a request the person can no longer open is named by its
reference and field only, and its content, messages, notes and files are left out."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from datetime import date, datetime
from typing import BinaryIO

from flask_babel import force_locale
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from extranet.access import entries as access_entries
from extranet.access import service as access_service
from extranet.accounts.models import User
from extranet.audit import sentences
from extranet.audit import service as audit_service
from extranet.extensions import db
from extranet.files import scan
from extranet.files.models import CLEAN, NOT_SCANNED, FileVersion
from extranet.hours.models import TimeEntry
from extranet.notifications.models import Notification
from extranet.organizations.models import Membership
from extranet.plugins import host
from extranet.policy import can
from extranet.requests.models import Message, RequestParticipant, SavedView, ServiceRequest
from extranet.requests.rules import openable_requests, visible_messages
from extranet.storage import CHUNK_SIZE, get_storage

UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def write_zip(user: User, out: BinaryIO) -> None:
    """Write ``user``'s export to ``out``, in their language."""
    with force_locale(user.locale), zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        requests, openable = _their_requests(user)
        parts = {
            "profile.json": profile(user),
            "memberships.json": memberships(user),
            "requests.json": requests_part(user, requests, openable),
            "time_entries.json": time_entries(user),
            "notifications.json": notifications(user),
            "audit_events.json": audit_events(user),
            "access_records.json": access_records(user),
            "saved_views.json": saved_views(user),
        }
        files = uploaded_files(user)
        parts["files.json"] = [
            {"id": f.id, "name": f.filename, "size": f.size, "sha256": f.sha256, "type": f.mime,
             "uploaded_at": f.created_at, "path": _path(f)} for f in files
        ]
        for name, content in parts.items():
            archive.writestr(name, json.dumps(content, default=_json, ensure_ascii=False, indent=2))
        storage = get_storage()
        for file in files:
            with storage.open(file.storage_key) as source, archive.open(_path(file), "w") as target:
                shutil.copyfileobj(source, target, CHUNK_SIZE)


def _json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _path(file: FileVersion) -> str:
    name = UNSAFE_NAME.sub("_", file.filename).strip(" .") or "file"
    return f"files/{file.id}-{name}"


def profile(user: User) -> dict:
    return {
        "id": user.id, "email": user.email, "name": user.name, "language": user.locale,
        "created_at": user.created_at, "last_sign_in_at": user.last_login_at,
        "administrator": user.is_admin, "expert": user.is_expert, "expert_fields": sorted(user.field_slugs),
        "two_factor_sign_in": user.has_second_factor,
    }


def memberships(user: User) -> list[dict]:
    rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id)
                              .options(selectinload(Membership.organization)).order_by(Membership.id))
    return [{"organization": m.organization.name, "role": m.role, "active": m.active,
             "invitation_pending": m.pending, "since": m.created_at} for m in rows]


def _their_requests(user: User) -> tuple[list[ServiceRequest], set[int]]:
    """The requests ``user`` filed or is a named contact of, and those of them they may open."""
    R, P = ServiceRequest, RequestParticipant
    rows = list(db.session.scalars(select(R).where(or_(
        R.requester_id == user.id,
        exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "contact"),
    )).order_by(R.id)))
    return rows, openable_requests(user, {r.id for r in rows})


def requests_part(user: User, rows: list[ServiceRequest], openable: set[int]) -> list[dict]:
    messages: dict[int, list[Message]] = {}
    if openable:
        query = visible_messages(user).where(Message.request_id.in_(openable)).order_by(Message.id) \
            .options(selectinload(Message.author), selectinload(Message.attachments))
        for message in db.session.scalars(query):
            messages.setdefault(message.request_id, []).append(message)
    result = []
    for req in rows:
        role = "requester" if req.requester_id == user.id else "contact"
        if req.id not in openable:
            # The one rule: reference and field only, for a request one can no longer open.
            result.append({"reference": req.reference, "field": host().field_label(req.field), "your_role": role})
            continue
        result.append({
            "reference": req.reference, "field": host().field_label(req.field), "type": req.type,
            "your_role": role, "title": req.title, "description": req.description, "data": req.data,
            "state": req.state, "confidentiality": req.confidentiality, "created_at": req.created_at,
            "messages": [{
                "author": m.author.name if m.author is not None else None, "at": m.created_at,
                "internal_note": m.internal, "body": m.body,
                "files": [a.filename for a in m.attachments],
            } for m in messages.get(req.id, [])],
        })
    return result


def time_entries(user: User) -> list[dict]:
    """Time the person logged as an expert; on a request they can no longer open, its
    reference, date and minutes only."""
    rows = list(db.session.scalars(select(TimeEntry).where(TimeEntry.expert_id == user.id)
                                   .options(selectinload(TimeEntry.request)).order_by(TimeEntry.id)))
    openable = openable_requests(user, {e.request_id for e in rows})
    result = []
    for entry in rows:
        item = {"request": entry.request.reference, "date": entry.date, "minutes": entry.minutes}
        if entry.request_id in openable:
            item.update(activity=entry.activity, billable=entry.billable, note=entry.note)
        result.append(item)
    return result


def notifications(user: User) -> list[dict]:
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .options(selectinload(Notification.request)).order_by(Notification.id)))
    openable = openable_requests(user, {n.request_id for n in rows})
    result = []
    for notification in rows:
        item = {"kind": notification.kind, "at": notification.created_at, "read_at": notification.read_at}
        if notification.request is not None:
            item["request"] = notification.request.reference
            if notification.request_id in openable:
                item["details"] = notification.params
        else:
            item["details"] = notification.params
        result.append(item)
    return result


def saved_views(user: User) -> list[dict]:
    rows = db.session.scalars(select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.id))
    return [{"name": v.name, "filters": v.query, "created_at": v.created_at} for v in rows]


def audit_events(user: User) -> list[dict]:
    """What was done to the person's account, told as on their page."""
    events = list(db.session.scalars(audit_service.about_person(user)))
    targets = sentences.Targets(events)
    return [{"at": e.at, "action": e.action, "sentence": sentences.sentence(e, targets, user)} for e in events]


def access_records(user: User) -> list[dict]:
    """Who read the person's information, named as on their page."""
    records = list(db.session.scalars(access_service.about_person(user)))
    return [{"at": e.at, "who": e.who, "role": e.role, "what": e.what}
            for e in access_entries.entries(records, user)]


def uploaded_files(user: User) -> list[FileVersion]:
    """The files the person uploaded that they may still open and whose scan lets them out."""
    rows = db.session.scalars(select(FileVersion).where(FileVersion.uploader_id == user.id).order_by(FileVersion.id))
    scanning = scan.enabled()
    result = []
    for file in rows:
        if not (file.scan_status == CLEAN or (file.scan_status == NOT_SCANNED and not scanning)):
            continue
        owner_visible = (can(user, "message.view", file.message) if file.kind == "attachment"
                         else can(user, "document.view", file.document))
        if owner_visible:
            result.append(file)
    return result
