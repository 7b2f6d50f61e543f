"""Secrets kept encrypted at rest (the second factor's secret): Fernet (AES-128-CBC with an
HMAC-SHA256, from ``cryptography``) under a key derived by HKDF from ``EXTRANET_ENCRYPTION_KEY``,
or from ``EXTRANET_SECRET_KEY`` when that is not set.

A copy of the database alone (a backup, a replica, a dump handed to support) then holds no
secret an attacker could generate codes from. The key must stay the same on every node and
across restarts: a secret encrypted under another key cannot be read, and its owner cannot sign
in until an administrator resets their second factor (docs/sign-in.md says how to change it).
"""

from __future__ import annotations

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

__all__ = ["UNREADABLE", "Encrypted", "decrypt", "encrypt"]

log = logging.getLogger(__name__)

# What a value encrypted under another key reads as: not None (the account keeps asking for its
# second factor) and no valid secret (no code matches it), so a changed key locks out, never in.
UNREADABLE = "(unreadable)"


def _fernet() -> Fernet:
    material = current_app.config.get("ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    if isinstance(material, str):
        material = material.encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"extranet", info=b"secrets at rest").derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


class Encrypted(TypeDecorator):
    """A string column whose value is written encrypted and read back in clear."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return decrypt(value)
        except InvalidToken:
            log.error("encryption: a stored secret cannot be decrypted with this key (EXTRANET_ENCRYPTION_KEY changed?)")
            return UNREADABLE
