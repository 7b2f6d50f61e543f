"""Mail that must not be answered nor processed: auto-replies, bounces, lists, and our own mail
coming back (RFC 3834 and the headers responders actually send)."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app

from extranet.inbound.addresses import plain
from extranet.notifications.mail import OWN_MESSAGE_ID_DOMAIN


def loop_reason(message: EmailMessage, envelope_from: str | None) -> str | None:
    """Why ``message`` is dropped, or None. ``envelope_from`` is None when unknown (IMAP)."""
    auto = (message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in {"bulk", "junk", "list"}:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "List-Id"):
        if header in message:
            return f"{header} header"
    return_path = message.get("Return-Path")
    if envelope_from == "" or (return_path is not None and return_path.strip() in {"<>", ""}):
        return "empty return path (a bounce)"
    sender = plain(message.get("From"))
    if not sender:
        return "no sender"
    if sender == plain(current_app.config["MAIL_FROM"]):
        return "sent by our own address"
    if (message.get("Message-ID") or "").strip().endswith(f"@{OWN_MESSAGE_ID_DOMAIN}>"):
        return "our own Message-ID"
    return None
