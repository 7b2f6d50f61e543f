"""Rate limits counted by the page itself, where a decorator cannot know the key: who sends an
invitation and to which address. They count in Flask-Limiter's storage through its ``limits``
library (``RATELIMIT_STORAGE_URI``: Redis shared by every node in production, memory in
embedded mode), so that they hold across nodes as the login limits do."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

from extranet.accounts.models import normalize_email


def _strategy():
    """The application's own counter on Flask-Limiter's storage and strategy settings (one per
    application, as each process of a deployment has its own, sharing Redis)."""
    strategy = current_app.extensions.get("extranet.limits")
    if strategy is None:
        config = current_app.config
        storage = storage_from_string(config["RATELIMIT_STORAGE_URI"], **config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        strategy = STRATEGIES[config.get("RATELIMIT_STRATEGY", "fixed-window")](storage)
        current_app.extensions["extranet.limits"] = strategy
    return strategy


def _allow(limits: list[tuple[str, str]]) -> bool:
    """Count one hit on each (configuration key, identifier) when none of them is used up; False,
    counting nothing, when one is."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    items = [(item, (prefix, "extranet", key.lower(), identifier))
             for key, identifier in limits for item in parse_many(current_app.config[key])]
    strategy = _strategy()
    if not all(strategy.test(item, *identifiers) for item, identifiers in items):
        return False
    for item, identifiers in items:
        strategy.hit(item, *identifiers)
    return True


def allow_invitation(sender_id: int, email: str) -> bool:
    """Whether ``sender_id`` may send one more invitation e-mail to ``email`` now (and count it)."""
    return _allow([("INVITATION_LIMIT_PER_SENDER", str(sender_id)),
                   ("INVITATION_LIMIT_PER_ADDRESS", normalize_email(email))])


def allow_api_call(token_id: int) -> bool:
    """Whether the personal access token ``token_id`` may make one more API call now (and count it)."""
    return _allow([("API_LIMIT_PER_TOKEN", str(token_id))])


INVITATION_LIMIT_MESSAGE = _l(
    "Too many invitations were sent in a short time: this one was not sent. Please try again later."
)
