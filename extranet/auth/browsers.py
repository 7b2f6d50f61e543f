"""Browsers a person signs in from: a long-lived signed cookie names the browser, a row per
person says when it was first seen and whether it is trusted to skip the second factor.

The cookie holds a random token, signed so that a forged one is refused without a query; the
row keeps only the token's hash, so the table cannot be replayed as cookies. Trust lives in the
row, not the cookie: the person (or an admin's reset) withdraws it server-side.

Also here: what a session list shows of a browser (its name and system, read from the
User-Agent) and of its place (the network of its address, a /24 or a /48: no outside service
is asked where an address is).
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from extranet.accounts.models import User
from extranet.auth.models import KnownBrowser, hash_token
from extranet.db_types import utcnow
from extranet.extensions import db

COOKIE = "extranet_browser"
# Browsers keep a cookie at most 400 days; it is set again at every sign-in.
COOKIE_MAX_AGE = 400 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="extranet.browser")


def browser_token() -> str | None:
    """This browser's token, from its cookie (or the one just made for it), None if it has none."""
    if "browser_token" in g:
        return g.browser_token
    raw = request.cookies.get(COOKIE)
    token = None
    if raw:
        try:
            token = _serializer().loads(raw)
        except BadSignature:
            token = None
    g.browser_token = token if isinstance(token, str) else None
    return g.browser_token


def _new_token() -> str:
    token = secrets.token_urlsafe(32)
    g.browser_token = token
    value = _serializer().dumps(token)

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE,
            value,
            max_age=COOKIE_MAX_AGE,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response

    return token


def this_browser(user: User) -> KnownBrowser | None:
    token = browser_token()
    if token is None:
        return None
    return db.session.scalar(
        db.select(KnownBrowser).where(KnownBrowser.user_id == user.id, KnownBrowser.token_hash == hash_token(token))
    )


def is_trusted(user: User) -> bool:
    row = this_browser(user)
    return row is not None and row.trusted_until is not None and row.trusted_until > utcnow()


def remember(user: User) -> tuple[KnownBrowser, bool]:
    """This browser's row for ``user``, made (and its cookie set) if it is new to them;
    returns (row, whether it was known before)."""
    row = this_browser(user)
    known = row is not None
    if row is None:
        token = browser_token() or _new_token()
        row = KnownBrowser(user_id=user.id, token_hash=hash_token(token))
        try:
            # Two sign-ins of one new browser at once: the second finds the first's row.
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = this_browser(user)
            known = True
    row.last_seen_at = utcnow()
    row.user_agent = (request.user_agent.string or "")[:300]
    return row, known


def has_known_browsers(user: User) -> bool:
    return db.session.scalar(
        db.select(db.func.count()).select_from(KnownBrowser).where(KnownBrowser.user_id == user.id)
    ) > 0


def trust(row: KnownBrowser) -> None:
    row.trusted_until = utcnow() + timedelta(days=current_app.config["TRUSTED_BROWSER_DAYS"])


def trusted_browsers(user: User) -> list[KnownBrowser]:
    return db.session.scalars(
        db.select(KnownBrowser)
        .where(KnownBrowser.user_id == user.id, KnownBrowser.trusted_until > utcnow())
        .order_by(KnownBrowser.last_seen_at.desc())
    ).all()


def withdraw_trust(user: User) -> int:
    """No browser of ``user`` skips the second factor any more; how many did."""
    return db.session.execute(
        db.update(KnownBrowser)
        .where(KnownBrowser.user_id == user.id, KnownBrowser.trusted_until.is_not(None))
        .values(trusted_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount


# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, system) named from a User-Agent, None for what it does not tell."""
    ua = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, ua)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, ua)), None)
    return browser, system


def network(ip: str | None) -> str | None:
    """The network an address belongs to (/24 for IPv4, /48 for IPv6): where a session comes
    from, roughly, without naming the exact address or asking an outside service."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
