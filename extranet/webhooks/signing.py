"""The signature of a delivery: HMAC-SHA256 over ``<timestamp>.<body>`` with the subscription's
secret, sent as ``X-Extranet-Signature: t=<timestamp>,v1=<hex>`` (docs/webhooks.md shows how a
receiver checks it)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app


def secret_of(salt: str) -> str:
    """A subscription's secret, derived from the application's secret key: shown once to the
    admin who makes it, never stored (changing the secret key changes every secret)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), b"webhook:" + salt.encode(), hashlib.sha256)
    return "whsec_" + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
