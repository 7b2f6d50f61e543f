"""How mail reaches us, chosen by ``EXTRANET_INBOUND_URL``: ``smtp://host:port`` or
``lmtp://host:port`` runs a receiver in the worker (the mail server in front relays to it),
``imap://user:pass@host/Mailbox`` or ``imaps://…`` polls a mailbox (``?processed=Box``: moves
what it stored there instead of deleting it). Either way a message is
stored (``service.store_raw``) before the sender's server is told it was received, or, for IMAP,
before it is removed from the mailbox; processing comes after, in the worker's loop."""

from __future__ import annotations

import asyncio
import hashlib
import imaplib
import logging
import ssl
from urllib.parse import parse_qs, unquote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask

from extranet.inbound.addresses import field_address
from extranet.inbound.service import store_raw, stored_already
from extranet.plugins import host

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"smtp": 2525, "lmtp": 2424, "imap": 143, "imaps": 993}


class Handler:
    """The aiosmtpd handler: keeps each message, answers 250 once it is committed."""

    def __init__(self, app: Flask):
        self.app = app

    def _store(self, content: bytes, mail_from: str, recipients: list[str]) -> None:
        with self.app.app_context():
            store_raw(content, mail_from, recipients)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = (self.app.config.get("INBOUND_DOMAIN") or "").lower()
        # An open relay accepts every address; ours only those it may process.
        if domain and not address.lower().endswith("@" + domain) and not _configured(self.app, address):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        mail_from = (envelope.mail_from or "").strip()
        mail_from = "" if mail_from == "<>" else mail_from  # "": a bounce
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self._store, content, mail_from, list(envelope.rcpt_tos))
        except Exception:
            log.exception("inbound: could not store a message")
            return "451 4.3.0 Could not store the message, try again later"
        if isinstance(server, LMTP):  # LMTP answers once per recipient
            return "\r\n".join("250 2.0.0 Stored" for _ in envelope.rcpt_tos)
        return "250 2.0.0 Stored"


def _configured(app: Flask, address: str) -> bool:
    """A field address configured in another domain than ``INBOUND_DOMAIN``."""
    with app.app_context():
        return address.lower() in {field_address(f.slug) for f in host().enabled_fields()}


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_receiver(app: Flask, url: str) -> Controller:
    """Start the SMTP or LMTP receiver in its own thread; stop it with ``.stop()``."""
    parts = urlsplit(url)
    controller_class = _LMTPController if parts.scheme == "lmtp" else Controller
    port = parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]
    controller = controller_class(Handler(app), hostname=parts.hostname or "127.0.0.1", port=port,
                                  data_size_limit=app.config["MAX_INBOUND_BYTES"])
    controller.start()
    return controller


def poll_imap(url: str) -> int:
    """Store each message of the mailbox, then remove it there (or move it to the mailbox named
    by ``?processed=``); returns how many were stored. A message is removed only once its row is
    committed, so none is lost; each is stored under its UID (``source_id``), so that fetching
    it again, by a second poller or after a crash between the two steps, stores nothing."""
    parts = urlsplit(url)
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    processed = parse_qs(parts.query).get("processed", [""])[0]
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    if parts.scheme == "imaps":
        # imaplib's default context checks no certificate: the password would go to anyone
        # in the middle. This one checks it against the system's CAs (or SSL_CERT_FILE).
        client = imaplib.IMAP4_SSL(parts.hostname, port, ssl_context=ssl.create_default_context(), timeout=30)
    else:
        client = imaplib.IMAP4(parts.hostname, port, timeout=30)
    stored = 0
    with client:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        _, capabilities = client.capability()
        capabilities = set((capabilities[0] or b"").decode().upper().split())
        _ok(client.select(_quoted(mailbox)), "SELECT")
        _, [validity] = client.response("UIDVALIDITY")
        where = f"{parts.hostname}:{port}/{unquote(parts.username or '')}/{mailbox}/{(validity or b'').decode()}"
        _, found = client.uid("SEARCH", None, "UNDELETED")
        deleted = []
        for uid in (found[0] or b"").split():
            source_id = hashlib.sha256(f"{where}/{uid.decode()}".encode()).hexdigest()
            if not stored_already(source_id):
                _, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((item[1] for item in data if isinstance(item, tuple)), None)
                if raw is None:  # expunged meanwhile by another poller, which stored it
                    continue
                stored += store_raw(raw, None, [], source_id=source_id) is not None
            if processed and "MOVE" in capabilities:
                client.uid("MOVE", uid, _quoted(processed))
                continue
            if processed:
                _ok(client.uid("COPY", uid, _quoted(processed)), "COPY")
            client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
            deleted.append(uid)
        if deleted and "UIDPLUS" in capabilities:  # only ours: not what someone else marked deleted
            client.uid("EXPUNGE", b",".join(deleted))
        elif deleted:
            client.expunge()
    return stored


def _ok(answer: tuple, command: str) -> None:
    if answer[0] != "OK":
        raise imaplib.IMAP4.error(f"{command}: {answer[1]!r}")


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def receives_by_smtp(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in {"smtp", "lmtp"}


def receives_by_imap(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in {"imap", "imaps"}
