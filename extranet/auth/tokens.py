"""Signed, expiring, single-use links (password reset, invitation).

A token embeds a fingerprint of the user's password hash: once the password is set, the hash
changes and every earlier link stops working, with no table of used tokens to keep.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from extranet.accounts.models import User
from extranet.extensions import db

PURPOSES = {"reset": "PASSWORD_RESET_MAX_AGE", "invite": "INVITATION_MAX_AGE"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"extranet.{purpose}")


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:20]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_token(token: str, purpose: str) -> User | None:
    """The user a valid token is for; None if forged, expired, used, or the account is off."""
    try:
        data = _serializer(purpose).loads(
            token, max_age=current_app.config[PURPOSES[purpose]]
        )
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user
