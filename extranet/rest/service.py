"""Personal access tokens: made (the secret returned once), found by their secret, revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.rest.models import SCOPES, ApiToken

TOKEN_PREFIX = "cxt_"  # noqa: S105 - recognisable in a log or a secret scanner, not a secret
# How often the "last used" time is written: not on every call of a busy integration.
TOUCH_EVERY = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user, name: str, scopes, expires_at: datetime | None) -> tuple[ApiToken, str]:
    """A new token of ``user`` and its secret, which is kept nowhere but in what is returned."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name.strip(), token_hash=hash_secret(secret), prefix=secret[:10],
        scopes=[s for s in SCOPES if s in set(scopes)], expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record("accounts.api_token_created", target=user, token=token.name, scopes=token.scopes)
    return token, secret


def token_for(secret: str) -> ApiToken | None:
    """The active token with this secret, its use noted; None for an unknown, expired or revoked
    one, or one whose owner can no longer sign in."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = utcnow()
    if token is None or not token.active(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        # A plain UPDATE: the row is not read back, and two calls at once both succeed.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now),
                           execution_options={"synchronize_session": False})
        db.session.commit()
        token.last_used_at = now
    return token


def tokens_of(user) -> list[ApiToken]:
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def own_token(user, token_id: int) -> ApiToken | None:
    """One of ``user``'s tokens not revoked yet; None for anyone else's."""
    return db.session.scalar(select(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))


def revoke(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    record("accounts.api_token_revoked", target=token.user, token=token.name)
