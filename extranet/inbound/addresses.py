"""The addresses mail is received at. A reply address names one recipient and one request and
is signed with the secret key, so that nobody can make one up, and expires; a field's address is
``<slug>@<domain>`` unless its module's settings say ``inbound_address``."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from email.utils import getaddresses

from flask import current_app

from extranet.db_types import utcnow
from extranet.modules import module_settings

REPLY_PREFIX = "reply+"
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def domain() -> str | None:
    value = current_app.config.get("INBOUND_DOMAIN")
    return value.strip().lower() if value else None


def _signature(payload: str) -> str:
    key = hashlib.sha256(b"inbound-reply-address:" + current_app.config["SECRET_KEY"].encode()).digest()
    # 80 bits: enough against guessing, short enough for a local part (64 characters at most).
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:20]


def reply_address(user_id: int, request_id: int, now: datetime | None = None) -> str | None:
    """The address a reply of ``user_id`` about ``request_id`` goes to; None without a domain.
    Lower-case hexadecimal only: some mail servers change the case of local parts."""
    if domain() is None:
        return None
    expires = ((now or utcnow()) - _EPOCH).days + current_app.config["INBOUND_REPLY_DAYS"]
    payload = f"{user_id:x}.{request_id:x}.{expires:x}"
    return f"{REPLY_PREFIX}{payload}.{_signature(payload)}@{domain()}"


class BadReplyAddress(Exception):
    """``reason`` is "forged" or "expired"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_reply_address(local: str, now: datetime | None = None) -> tuple[int, int]:
    """(user id, request id) of a reply address's local part; raises ``BadReplyAddress``."""
    token = local.lower().removeprefix(REPLY_PREFIX)
    payload, _, signature = token.rpartition(".")
    if not payload or not hmac.compare_digest(signature, _signature(payload)):
        raise BadReplyAddress("forged")
    try:
        user_id, request_id, expires = (int(part, 16) for part in payload.split("."))
    except ValueError:
        raise BadReplyAddress("forged") from None
    if ((now or utcnow()) - _EPOCH).days > expires:
        raise BadReplyAddress("expired")
    return user_id, request_id


def field_address(slug: str) -> str | None:
    configured = (module_settings(slug).get("inbound_address") or "").strip().lower()
    if configured:
        return configured if "@" in configured else f"{configured}@{domain()}" if domain() else None
    return f"{slug}@{domain()}" if domain() else None


def split(address: str) -> tuple[str, str]:
    local, _, dom = address.strip().lower().rpartition("@")
    return local, dom


def plain(header_value: str | None) -> str:
    """The first address of a header such as From, lower-cased ("" when there is none)."""
    found = [a for _, a in getaddresses([header_value or ""]) if "@" in a]
    return found[0].strip().lower() if found else ""
