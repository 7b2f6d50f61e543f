"""Received mail, kept then processed once: a reply to a notification becomes a message on its
request, mail to a field's address files a request, and the sender is answered when something
they sent was refused. The policy decides as on the pages: the address only says who claims to
write, never what they may do."""

from __future__ import annotations

import html
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from extranet.accounts.models import User
from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.files import UploadRefused, quota
from extranet.files.uploads import SavedFile, discard, scanned, store_one
from extranet.inbound import addresses, failures
from extranet.inbound.loops import loop_reason
from extranet.inbound.models import (
    DONE,
    DROPPED,
    FAILED,
    MAX_ATTEMPTS,
    PENDING,
    PROCESSING,
    InboundEmail,
)
from extranet.inbound.trimming import trim_reply
from extranet.modules import module_settings, set_module_setting
from extranet.notifications.mail import queue_email
from extranet.plugins import host
from extranet.policy import can, switchable_organizations
from extranet.requests import attachments
from extranet.requests import service as requests
from extranet.requests.models import ServiceRequest
from extranet.rest.form_schema import form_input
from extranet.storage import get_storage
from extranet.web.urls import external_url

log = logging.getLogger(__name__)

# What processing made of a message, shown to admins (Administration → Inbound mail).
OUTCOMES = {
    "message_posted": _l("Added as a message"),
    "request_filed": _l("Filed as a request"),
    "loop": _l("Dropped: automatic mail"),
    "no_address": _l("Dropped: none of our addresses"),
    "bad_address": _l("Refused: forged reply address"),
    "expired_address": _l("Refused: expired reply address"),
    "refused_sender": _l("Refused: not sent by the address's owner"),
    "unknown_sender": _l("Refused: unknown sender"),
    "not_allowed": _l("Refused: not allowed"),
    "not_filed": _l("Refused: the request type needs the form"),
    "empty": _l("Ignored: nothing written"),
    "stalled": _l("Failed: its processing never finished"),
    **failures.LABELS,  # the categories of a failure ("error": one that fits none)
}
# Answers the sender is given once per (sender, address), not at every retry of their server.
ANSWERED_ONCE = {"refused_sender", "unknown_sender", "bad_address", "expired_address"}


def store_raw(raw: bytes, envelope_from: str | None, recipients: list[str],
              source_id: str | None = None) -> InboundEmail | None:
    """Keep a received message before anything else is done with it (committed here: the
    receiver answers 250 only once it is). None when ``source_id`` was stored already."""
    stored = get_storage().save(io.BytesIO(raw))
    headers = BytesParser(policy=email_policy.default).parsebytes(raw, headersonly=True)
    try:
        subject = " ".join(str(headers.get("Subject") or "").split())[:300]
    except Exception:  # a header the parser cannot decode: the message is kept all the same
        subject = ""
    row = InboundEmail(envelope_from=envelope_from, recipients="\n".join(r.strip().lower() for r in recipients),
                       subject=subject, storage_key=stored.key, size=stored.size, sha256=stored.sha256,
                       source_id=source_id)
    try:
        db.session.add(row)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        get_storage().delete(stored.key)
        if source_id is None:
            raise
        return None  # another poller stored it first
    except BaseException:
        db.session.rollback()
        get_storage().delete(stored.key)
        raise
    return row


def stored_already(source_id: str) -> bool:
    return db.session.scalar(select(InboundEmail.id).where(InboundEmail.source_id == source_id)) is not None


class ClaimLost(Exception):
    """Another worker took the message over (this one was thought dead): nothing is kept."""


def _waiting():
    """Pending messages, and those whose worker died while processing them."""
    stale = utcnow() - timedelta(seconds=current_app.config["INBOUND_CLAIM_TIMEOUT"])
    return or_(InboundEmail.status == PENDING, and_(
        InboundEmail.status == PROCESSING,
        or_(InboundEmail.claimed_at.is_(None), InboundEmail.claimed_at < stale),
    ))


def _claim(row_id: int) -> int | None:
    """Take a waiting message; returns the number of this claim, or None when another worker
    took it first. The number fences the claim: a worker thought dead, that wakes up after the
    message was taken again, can no longer record anything for it."""
    taken = db.session.execute(
        update(InboundEmail).where(InboundEmail.id == row_id, _waiting())
        .values(status=PROCESSING, claimed_at=utcnow(), attempts=InboundEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        return None
    return db.session.scalar(select(InboundEmail.attempts).where(InboundEmail.id == row_id))


def process_pending(limit: int = 20) -> dict[str, int]:
    """Process what was received, and what a dead worker left; returns the count of each status
    reached. Safe to run in several workers at once: each message is claimed by one."""
    ids = list(db.session.scalars(
        select(InboundEmail.id).where(_waiting()).order_by(InboundEmail.id).limit(limit)
    ))
    counts: dict[str, int] = {}
    for row_id in ids:
        attempt = _claim(row_id)
        if attempt is None:
            continue
        status = _process_claimed(row_id, attempt)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


def _process_claimed(row_id: int, attempt: int) -> str | None:
    run = Run(db.session.get(InboundEmail, row_id), attempt)
    try:
        if attempt > MAX_ATTEMPTS:  # each claim before ended with its worker: this one would too
            log.error("inbound: message %s stopped its worker %s times, given up", row_id, MAX_ATTEMPTS)
            result = FAILED, "stalled", None
        else:
            result = run.process()
        if not run.settled:
            run.settle(*result)
        db.session.commit()
        return result[0]
    except ClaimLost:
        db.session.rollback()
        discard(run.saved)
        log.warning("inbound: message %s was taken over by another worker", row_id)
        return None
    except Exception as exc:  # kept, shown to admins with its category and error id, retried by them
        error_id = failures.new_error_id()
        log.exception("inbound: message %s failed (error id %s)", row_id, error_id)
        db.session.rollback()
        if run.settled:  # what it was for is done and saved; only an answer to the sender was lost
            return DONE
        discard(run.saved)
        try:
            run.settle(FAILED, failures.category(exc), error_id)
        except ClaimLost:
            db.session.rollback()
            return None
        db.session.commit()
        return FAILED


def retry(row: InboundEmail) -> bool:
    """Process a failed message again at the next pass (committed by the caller)."""
    if row.status != FAILED:
        return False
    row.status, row.outcome, row.detail, row.attempts = PENDING, None, None, 0
    record("inbound.retried", subject=row.subject)
    return True


def save_field_address(slug: str, address: str, type_slug: str) -> None:
    """An admin's choice of a field's address ("": ``<slug>@<domain>``) and of the type its
    mail files ("": the field's first); committed by the caller."""
    set_module_setting(slug, "inbound_address", address)
    set_module_setting(slug, "inbound_type", type_slug)
    record("inbound.field_address", target=f"module:{slug}", address=addresses.field_address(slug) or address)


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = body.get_content()
    if body.get_content_subtype() == "html":
        text = re.sub(r"(?is)<(script|style).*?</\1>", "", text)
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


@dataclass
class Run:
    """The processing of one message, keeping what it stored so that a failure removes it."""

    row: InboundEmail
    attempt: int = 1  # the number of the claim this run holds
    saved: list[SavedFile] = field(default_factory=list)
    sender: str = ""
    settled: bool = False

    def settle(self, status: str, outcome: str, detail: str | None) -> None:
        """Record what became of the message, in the transaction of what was done for it (a
        message posted and "done" are saved together: a worker dying between them cannot leave
        the message to be posted again); raises ``ClaimLost`` if another worker took it."""
        recorded = db.session.execute(
            update(InboundEmail).where(InboundEmail.id == self.row.id, InboundEmail.status == PROCESSING,
                                       InboundEmail.attempts == self.attempt)
            .values(status=status, outcome=outcome, detail=detail, processed_at=utcnow(),
                    sender=self.sender or InboundEmail.sender)
            .execution_options(synchronize_session=False)
        ).rowcount
        if recorded != 1:
            raise ClaimLost
        self.settled = True

    def process(self) -> tuple[str, str, str | None]:
        with get_storage().open(self.row.storage_key) as fh:
            message = BytesParser(policy=email_policy.default).parsebytes(fh.read())
        self.sender = addresses.plain(message.get("From"))
        reason = loop_reason(message, self.row.envelope_from)
        if reason:
            return DROPPED, "loop", reason
        for address in self._our_addresses(message):
            local, _ = addresses.split(address)
            if local.startswith(addresses.REPLY_PREFIX):
                return self._reply(message, address)
            slug = next((f.slug for f in host().enabled_fields() if addresses.field_address(f.slug) == address), None)
            if slug is not None:
                return self._new_request(message, address, slug)
        return DROPPED, "no_address", self.row.recipients[:2000]

    def _our_addresses(self, message: EmailMessage) -> list[str]:
        domain = addresses.domain()
        found = [r for r in self.row.recipients.split("\n") if r]
        if not found:  # IMAP: no envelope, the headers say where it was sent
            for header in ("Delivered-To", "X-Original-To", "To", "Cc"):
                found += [a.lower() for a in message.get_all(header, []) for a in _addresses_of(a)]
        configured = {addresses.field_address(f.slug) for f in host().enabled_fields()}
        return [a for a in found if addresses.split(a)[1] == domain or a in configured]

    # -- a reply to a notification ---------------------------------------------------------

    def _reply(self, message: EmailMessage, address: str) -> tuple[str, str, str | None]:
        local, _ = addresses.split(address)
        try:
            user_id, request_id = addresses.read_reply_address(local)
        except addresses.BadReplyAddress as bad:
            outcome = "expired_address" if bad.reason == "expired" else "bad_address"
            expired = _l("This reply address is no longer valid: your message was not added. Please answer on "
                         "the extranet, from the link of the e-mail you received.")
            self._answer_once(outcome, address, message, None, [
                expired if outcome == "expired_address" else _l("This address is not one of ours: your message "
                                                                "was not added.")])
            return DONE, outcome, address
        user = db.session.get(User, user_id)
        req = db.session.get(ServiceRequest, request_id)
        if user is None or req is None:
            return DONE, "bad_address", address
        if self.sender != user.email.lower():
            self._answer_once("refused_sender", address, message, None, [_l(
                "This reply address belongs to someone else: only the person who received the e-mail can "
                "answer with it. Your message was not added. Sign in to the extranet to write on the request."
            )])
            return DONE, "refused_sender", address
        if not can(user, "request.message", req):
            self._answer(message, user, [_l("You can no longer write on this request: your message was not added.")])
            return DONE, "not_allowed", address
        body = trim_reply(_text_of(message))
        refusals = self._attachments(message, user, req.organization)
        if not body and not self.saved:
            if refusals:
                self._answer(message, user, refusals)
            return DONE, "empty", address
        posted = requests.post_message(req, user, body, internal=False)
        attachments.attach(posted, self.saved, user)
        if refusals:
            self._answer(message, user, [*refusals, _l("Your message was added without these files.")],
                         link=external_url("requests.detail", reference=req.reference))
        self.settle(DONE, "message_posted", req.reference)
        db.session.commit()
        return DONE, "message_posted", req.reference

    # -- a new request by e-mail -----------------------------------------------------------

    def _new_request(self, message: EmailMessage, address: str, slug: str) -> tuple[str, str, str | None]:
        user = User.by_email(self.sender) if self.sender else None
        if user is None or not user.active or user.invitation_pending:
            self._answer_once("unknown_sender", address, message, None, [_l(
                "Thank you for writing to us. We could not find an account with this e-mail address: only "
                "members of the cooperative with an account on the extranet can file a request by e-mail. "
                "Ask your organization's manager for an invitation, or write from the address of your account."
            )])
            return DONE, "unknown_sender", address
        orgs = [o for o in switchable_organizations(user) if can(user, "request.create", (o, slug))]
        if not orgs:
            self._answer(message, user, [_l("Your organization is not subscribed to this field: no request "
                                            "was filed.")])
            return DONE, "not_allowed", address
        organization = orgs[0]  # the organization the extranet opens on for them
        rtype = default_type(slug)
        if rtype is None:
            return DONE, "not_filed", address
        subject = " ".join(str(message.get("Subject") or "").split()) or str(_l("Request by e-mail"))
        form = rtype.form(formdata=form_input({
            "title": subject[:200], "description": trim_reply(_text_of(message)),
            "restricted": rtype.confidentiality == "restricted",
        }), meta={"csrf": False})
        if not form.validate():
            self._answer(message, user, [_l("This kind of request needs answers that an e-mail cannot give: "
                                            "please file it on the extranet.")],
                         link=external_url("requests.choose_type", field=slug))
            return DONE, "not_filed", address
        refusals = self._attachments(message, user, organization)
        req = requests.create_request(organization, rtype, form, user)
        attachments.attach_when_filing(req, self.saved, user)
        with force_locale(user.locale):
            lines = [_l("Your request is filed under the reference %(ref)s.", ref=req.reference), *refusals]
            if refusals:
                lines.append(_l("The request was filed without these files."))
            self._answer(message, user, lines, link=external_url("requests.detail", reference=req.reference))
        self.settle(DONE, "request_filed", req.reference)
        db.session.commit()
        host().after_commit("extranet_request_created", service_request=req, user=user)
        return DONE, "request_filed", req.reference

    # -- attachments and answers -----------------------------------------------------------

    def _attachments(self, message: EmailMessage, user, organization) -> list[str]:
        """Store and check each attached file as an upload; the refusals name the refused ones."""
        storage = get_storage()
        refusals = []
        with force_locale(user.locale):
            for part in message.iter_attachments():
                data = part.get_payload(decode=True)
                if data is None:  # an attached e-mail or an undecodable part: nothing to keep
                    continue
                upload = SimpleNamespace(filename=part.get_filename() or "attachment", stream=io.BytesIO(data))
                try:
                    self.saved.append(scanned(store_one(upload, storage), storage))
                except UploadRefused as refused:
                    refusals.append(str(refused))
            if self.saved and organization is not None:
                try:
                    quota.check(organization, self.saved)
                except quota.Exceeded as exceeded:
                    refusals.append(str(exceeded))
                    discard(exceeded.files)
                    self.saved = [s for s in self.saved if s not in exceeded.files]
        return refusals

    def _answer_once(self, outcome: str, address: str, message: EmailMessage, user, lines: list) -> None:
        told = db.session.scalar(select(InboundEmail.id).where(
            InboundEmail.id != self.row.id, InboundEmail.outcome == outcome,
            InboundEmail.sender == self.sender, InboundEmail.detail == address,
        ).limit(1))
        if told is None:
            self._answer(message, user, lines)

    def _answer(self, message: EmailMessage, user, lines: list, link: str | None = None) -> None:
        if not self.sender:
            return
        known = user or User.by_email(self.sender)  # a member writing from their address: their language
        locale = known.locale if known is not None else current_app.config["BABEL_DEFAULT_LOCALE"]
        original = " ".join(str(message.get("Subject") or "").split())
        with force_locale(locale):
            queue_email(self.sender, locale, f"Re: {original}" if original else _l("Your e-mail to the extranet"),
                        "inbound_answer", user=user, lines=[str(line) for line in lines], link=link)


def _addresses_of(value: str) -> list[str]:
    return [a for _, a in getaddresses([value]) if "@" in a]


def default_type(slug: str):
    """The type a field's e-mail files: its module's ``inbound_type`` setting, else its first
    (None: the field has no type)."""
    types = sorted(host().types_of(slug), key=lambda t: (t.order, t.slug))
    chosen = module_settings(slug).get("inbound_type")
    return next((t for t in types if t.slug == chosen), types[0] if types else None)
