"""The e-mail outbox: mail is queued in the database with the change that caused it, then
sent by a backend and retried with back-off when sending fails.

Backends, chosen by ``EXTRANET_MAIL_URL``: ``file:///path`` writes one ``.eml`` file per
message (the embedded default, ``instance/mail/``), ``smtp://user:pass@host:port`` (add
``?starttls=1`` for STARTTLS) and ``smtps://`` for implicit TLS.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, g, render_template
from flask_babel import force_locale

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.models import OutboxEmail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
OWN_MESSAGE_ID_DOMAIN = "extranet"


def queue_email(to: str, locale: str, subject, template: str, *, reply_to: str | None = None,
                **context) -> OutboxEmail:
    """Render ``emails/<template>.txt`` in the recipient's language and add it to the outbox;
    it goes out once the caller commits. Pass ``subject`` as a *lazy* string (``lazy_gettext``)
    so that it is translated here, in the recipient's language too."""
    with force_locale(locale):
        email = OutboxEmail(
            to=to,
            reply_to=reply_to,
            locale=locale,
            # A header: one line (a name typed with a line break must not break sending).
            subject=" ".join(str(subject).split())[:300],
            # A plugin's own template is named by its path; the core's by their name.
            body_text=render_template(template if template.endswith(".txt") else f"emails/{template}.txt", **context),
        )
    db.session.add(email)
    g.mail_queued = True
    return email


def build_message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=OWN_MESSAGE_ID_DOMAIN)
    # Tells the recipients' vacation responders not to answer (RFC 3834), and our own receiver
    # to drop any of our mail that comes back.
    message["Auto-Submitted"] = "auto-generated"
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.body_text)
    # After set_content, which clears every Content-* header set before it.
    message["Content-Language"] = email.locale.replace("_", "-")
    return message


def send(message: EmailMessage, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "file":
        folder = Path(unquote(parts.path))
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        # The address's local part may hold "/" or "..": keep only harmless characters, and a
        # random suffix so that two messages of the same microsecond never overwrite each other.
        local = re.sub(r"[^A-Za-z0-9_+-]+", "_", message["To"].rsplit("@", 1)[0])[:40]
        name = f"{stamp}-{secrets.token_hex(3)}-{local}.eml"
        tmp = folder / (name + ".part")
        tmp.write_bytes(bytes(message))
        tmp.rename(folder / name)  # readers never see half a message
        return
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"unsupported mail URL scheme {parts.scheme!r}")
    options = parse_qs(parts.query)
    client_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with client_class(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), timeout=20) as client:
        if options.get("starttls") == ["1"]:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send what is due; returns (sent, failed). Safe to run on several nodes at once."""
    now = utcnow()
    query = (
        db.select(OutboxEmail)
        .where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.next_attempt_at <= now,
            OutboxEmail.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    sent = failed = 0
    for email in db.session.scalars(query).all():
        try:
            send(build_message(email), current_app.config["MAIL_URL"])
        except Exception as exc:  # any failure is recorded and retried later
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.next_attempt_at = utcnow() + timedelta(minutes=min(2**email.attempts, 360))
            log.warning("mail %s to %s failed (attempt %s): %s", email.id, email.to, email.attempts, exc)
            failed += 1
        else:
            email.attempts += 1
            email.sent_at = utcnow()
            email.last_error = None
            sent += 1
    db.session.commit()
    return sent, failed


def deliver_queued_after_request(response) -> None:
    """In embedded mode, send the mail a request queued as soon as it succeeded."""
    if not g.get("mail_queued") or current_app.config["MAIL_DELIVERY"] != "inline":
        return
    if response.status_code >= 400:
        return
    try:
        deliver_due()
    except Exception:  # the outbox keeps the mail; the worker or next request retries
        log.exception("inline mail delivery failed")
        db.session.rollback()
