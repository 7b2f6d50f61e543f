"""Two-factor sign-in: time-based codes (RFC 6238) from an authenticator app, and recovery codes.

A code is accepted once. The account keeps the time step of the last code it accepted, and a
code counts only for a later step: a single conditional UPDATE claims the step, so two nodes
checking the same code at the same moment cannot both accept it. A recovery code is claimed
the same way (``used_at`` set only where it is still empty).

The secret is shown once, while the person enrols, and never again (no page or export shows
it). Recovery codes are kept as hashes only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup, escape

from extranet.accounts.models import User
from extranet.auth.models import RecoveryCode
from extranet.db_types import utcnow
from extranet.encryption import UNREADABLE
from extranet.extensions import db

ISSUER = "Coop Extranet"
STEP_SECONDS = 30
# Steps accepted either side of now: a phone's clock a little off, or a code typed as it turns.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code is read off paper and typed again.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4


def new_secret() -> str:
    """160 random bits in base32, as authenticator apps expect."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str, label: str) -> Markup:
    """The ``otpauth://`` address as an inline SVG QR code, drawn here: the secret never goes to
    an outside service. White around it, so that it scans on a dark page too."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", svgclass="qr-code", omitsize=True)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S704 - segno's own markup, the label escaped


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` is good for, within the allowed drift, or None."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def claim_step(user: User, step: int) -> bool:
    """Mark ``step`` used for ``user`` unless it (or a later one) already was."""
    claimed = db.session.execute(
        db.update(User)
        .where(User.id == user.id)
        .where(db.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        db.session.refresh(user, ["totp_last_step"])
    return claimed == 1


def accept_code(user: User, code: str, now: float | None = None) -> bool:
    """A code of the person's app, good now and never accepted before."""
    if not user.has_second_factor or user.totp_secret == UNREADABLE:
        return False  # an unreadable secret (another key) matches no code: refused, not skipped
    step = matching_step(user.totp_secret, code, now)
    return step is not None and claim_step(user, step)


def looks_like_app_code(code: str) -> bool:
    code = "".join((code or "").split())
    return len(code) == 6 and code.isdigit()


def _normalize_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalize_recovery(code).encode()).hexdigest()


def _one_recovery_code() -> str:
    return "-".join(
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
        for _ in range(RECOVERY_GROUPS)
    )


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new codes for ``user`` (the old ones stop working); the codes themselves are
    returned to be shown once, only their hashes are kept."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_one_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(code)) for code in codes)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the person's recovery codes; False if it is not theirs or already spent."""
    if not _normalize_recovery(code):
        return False
    claimed = db.session.execute(
        db.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .where(RecoveryCode.code_hash == _hash_recovery(code))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def forget(user: User) -> None:
    """No second factor any more: secret, last step and recovery codes gone."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def is_required(user: User) -> bool:
    """Admins and experts in production (or when EXTRANET_REQUIRE_STAFF_2FA says so), and the
    members of an organization whose managers require it."""
    config = current_app.config
    if user.is_staff and (config["PRODUCTION"] or config["REQUIRE_STAFF_2FA"]):
        return True
    return any(
        m.active and m.organization.active and m.organization.requires_second_factor
        for m in user.memberships
    )
