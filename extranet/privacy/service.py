"""A person's rights over their information: asking for an export of their data (built by the
worker, e-mailed as a link that expires) and for the erasure of their personal information
(carried out by an administrator)."""

from __future__ import annotations

import logging
import secrets
import tempfile
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.orm import selectinload

from extranet.accounts.models import FORMER_MEMBER_STORED, User
from extranet.audit.models import AuditEvent
from extranet.audit.service import record
from extranet.auth.models import KnownBrowser, RecoveryCode, ResetRequest
from extranet.auth.sessions import end_all_sessions
from extranet.calendars.models import CalendarFeed
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.modules import RETENTION, RETENTION_KINDS, retention_months, set_module_setting
from extranet.notifications.mail import queue_email
from extranet.notifications.models import MutedEmail, OutboxEmail
from extranet.organizations.models import Membership
from extranet.privacy import bundle
from extranet.privacy.models import (
    DONE,
    FAILED,
    PENDING,
    READY,
    WAITING,
    DataExport,
    ErasureRequest,
)
from extranet.requests.models import SavedView
from extranet.storage import get_storage
from extranet.web.urls import external_url

log = logging.getLogger(__name__)


# -- exports ----------------------------------------------------------------------------------


def request_export(user: User) -> DataExport:
    """An export of ``user``'s data for the worker to build; one already waiting is reused.
    The caller commits."""
    waiting = db.session.scalar(select(DataExport).where(DataExport.user_id == user.id, DataExport.status == WAITING))
    if waiting is not None:
        return waiting
    export = DataExport(user_id=user.id, status=WAITING, requested_at=utcnow())
    db.session.add(export)
    record("privacy.export_requested", target=user, actor=user)
    return export


def latest_exports(user: User, limit: int = 3) -> list[DataExport]:
    return list(db.session.scalars(select(DataExport).where(DataExport.user_id == user.id)
                                   .order_by(DataExport.id.desc()).limit(limit)))


def downloadable(export: DataExport) -> bool:
    return export.status == READY and export.expires_at is not None and export.expires_at > utcnow()


def build_waiting_exports(limit: int = 5) -> tuple[int, int]:
    """Build the waiting exports, each in its own transaction; (built, failed). Safe with several
    workers: a row is locked while it is built. An export is ready only once its object is
    stored and its row committed; when anything fails the object is deleted again and the export
    marked failed, so that nothing half-written is ever offered."""
    built = failed = 0
    for _round in range(limit):
        export = db.session.scalar(select(DataExport).where(DataExport.status == WAITING)
                                   .order_by(DataExport.id).limit(1).with_for_update(skip_locked=True))
        if export is None:
            break
        export_id, stored_key = export.id, None
        try:
            stored_key = _build(export)
            db.session.commit()
            built += 1
        except Exception:
            log.exception("privacy: the export %s could not be built", export_id)
            db.session.rollback()
            if stored_key is not None:
                get_storage().delete_many([stored_key])
            db.session.execute(update(DataExport).where(DataExport.id == export_id).values(status=FAILED))
            db.session.commit()
            failed += 1
    return built, failed


def _build(export: DataExport) -> str:
    """Write the ZIP, store it and make the row ready with its e-mail; the stored key (the
    caller commits, or deletes the key when the commit fails)."""
    user = export.user
    with tempfile.TemporaryFile() as spool:
        bundle.write_zip(user, spool)
        spool.seek(0)
        stored = get_storage().save(spool)
    try:
        now = utcnow()
        export.storage_key, export.size, export.sha256 = stored.key, stored.size, stored.sha256
        export.status, export.ready_at = READY, now
        export.expires_at = now + timedelta(days=current_app.config["DATA_EXPORT_DAYS"])
        queue_email(
            user.email, user.locale, _l("Your data is ready to download"), "data_export_ready",
            user=user, link=external_url("privacy.download_export", export_id=export.id),
            expires_at=export.expires_at,
        )
        record("privacy.export_ready", target=user, actor=None)
        db.session.flush()
    except Exception:
        get_storage().delete_many([stored.key])
        raise
    return stored.key


def note_download(user: User, export: DataExport) -> None:
    record("privacy.export_downloaded", target=user, actor=user)


def purge_expired_exports(now=None) -> int:
    """Erase the exports past their date, and failed ones older than the same delay; how many.
    Rows go first, in their own commit: an object whose deletion then fails is an orphan the
    storage checker removes, never a row pointing at nothing."""
    now = now or utcnow()
    days = timedelta(days=current_app.config["DATA_EXPORT_DAYS"])
    expired = list(db.session.execute(select(DataExport.id, DataExport.storage_key).where(or_(
        DataExport.expires_at <= now,
        (DataExport.status == FAILED) & (DataExport.requested_at <= now - days),
    ))))
    if not expired:
        return 0
    db.session.execute(delete(DataExport).where(DataExport.id.in_([row.id for row in expired])))
    db.session.commit()
    get_storage().delete_many([row.storage_key for row in expired if row.storage_key])
    return len(expired)


# -- erasure ----------------------------------------------------------------------------------


def request_erasure(user: User) -> ErasureRequest:
    """A request to erase ``user``'s personal information, for the administrators; one already
    pending is reused. The caller commits."""
    pending = pending_erasure(user)
    if pending is not None:
        return pending
    asked = ErasureRequest(user_id=user.id, status=PENDING, requested_at=utcnow())
    db.session.add(asked)
    record("privacy.erasure_requested", target=user, actor=user)
    return asked


def pending_erasure(user: User) -> ErasureRequest | None:
    return db.session.scalar(select(ErasureRequest).where(
        ErasureRequest.user_id == user.id, ErasureRequest.status == PENDING))


def erasure_requests():
    """A select of the erasure requests, the pending first, then the newest."""
    return select(ErasureRequest).options(
        selectinload(ErasureRequest.user), selectinload(ErasureRequest.done_by),
    ).order_by((ErasureRequest.status == PENDING).desc(), ErasureRequest.id.desc())


def export_requests(limit: int = 50) -> list[DataExport]:
    """The latest requests for a copy of one's data, newest first, with their people."""
    return list(db.session.scalars(select(DataExport).options(selectinload(DataExport.user))
                                   .order_by(DataExport.id.desc()).limit(limit)))


def carry_out_erasure(asked: ErasureRequest, admin: User) -> list[str] | None:
    """Anonymise the person of ``asked``: name, e-mail, password, second factor, sessions,
    trusted browsers, memberships and e-mail preferences go; the account is deactivated. The
    organization's records stay (requests, messages, files, time), their author now named
    "Former member". The e-mails queued to the person and the old address in the audit log's
    details go too. The storage keys of the person's exports, for the caller to delete once it
    has committed; None when the request was carried out already."""
    claimed = db.session.execute(update(ErasureRequest).where(
        ErasureRequest.id == asked.id, ErasureRequest.status == PENDING,
    ).values(status=DONE, done_at=utcnow(), done_by_id=admin.id))
    if claimed.rowcount != 1:
        return None  # another administrator carried it out meanwhile
    user = asked.user
    old_email, old_name = user.email, user._name
    placeholder = f"erased-{user.id}-{secrets.token_hex(8)}@erased.invalid"
    user.name = FORMER_MEMBER_STORED
    user.email = placeholder
    user.password_hash = None
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.active = False
    user.erased_at = utcnow()
    end_all_sessions(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(KnownBrowser).where(KnownBrowser.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.execute(delete(MutedEmail).where(MutedEmail.user_id == user.id))
    db.session.execute(delete(SavedView).where(SavedView.user_id == user.id))  # their own words
    db.session.execute(update(Membership).where(Membership.user_id == user.id)
                       .values(active=False, pending=False, invited_name=None))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.to == old_email))
    db.session.execute(delete(ResetRequest).where(ResetRequest.email == old_email))
    _scrub_audit_details(old_email, old_name, placeholder)
    keys = [key for key in db.session.scalars(select(DataExport.storage_key).where(
        DataExport.user_id == user.id, DataExport.storage_key.is_not(None)))]
    db.session.execute(delete(DataExport).where(DataExport.user_id == user.id))
    record("privacy.erasure_done", target=user, actor=admin)
    return keys


def _scrub_audit_details(old_email: str, old_name: str, placeholder: str) -> None:
    """The audit log keeps what was done, not the person's address or name: events whose
    details hold them (a failed sign-in's address, an assignment's expert, a changed name)."""
    events = db.session.scalars(select(AuditEvent).where(cast(AuditEvent.details, String).contains(old_email)))
    for event in events:
        event.details = {key: placeholder if value == old_email else
                         (FORMER_MEMBER_STORED if value == old_name else value)
                         for key, value in (event.details or {}).items()}


# -- retention settings -----------------------------------------------------------------------


def set_retention(slug: str, months: dict[str, int | None]) -> dict:
    """Keep ``slug``'s information of each kind that many months (None: for ever); the changes,
    audited. The caller commits."""
    before = retention_months(slug)
    changes = {kind: months.get(kind) for kind in RETENTION_KINDS if months.get(kind) != before[kind]}
    if changes:
        set_module_setting(slug, RETENTION, {kind: months.get(kind) for kind in RETENTION_KINDS
                                             if months.get(kind) is not None})
        record("privacy.retention_set", target=f"module:{slug}", **changes)
    return changes
