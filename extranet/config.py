"""Settings, read from ``EXTRANET_*`` environment variables.

Every setting has an embedded default so that a fresh checkout runs with no configuration:
SQLite and local files under the instance folder, e-mail written to ``instance/mail/``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import click

ENV_PREFIX = "EXTRANET_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in the instance folder, creating it (mode 0600) on first start."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def default_base_url() -> str:
    """Where `flask run` serves (its own FLASK_RUN_HOST and FLASK_RUN_PORT, which `make run` sets),
    so that e-mailed links reach this server when EXTRANET_BASE_URL is not set."""
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    if host in {"0.0.0.0", "::"}:  # noqa: S104 - listening everywhere, linked locally
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('FLASK_RUN_PORT') or '5000'}"


def build_config(instance_path: Path) -> dict:
    base_url = _env("BASE_URL") or default_base_url()
    secure = _env_bool("SECURE_COOKIES", base_url.startswith("https://"))
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'extranet.db'}"
    redis_url = _env("REDIS_URL")
    return {
        "PRODUCTION": _env_bool("PRODUCTION", False),
        "SECRET_KEY": _env("SECRET_KEY") or load_secret_key(instance_path),
        "SECRET_KEY_FROM_ENV": _env("SECRET_KEY") is not None,
        # Encrypts secrets at rest (extranet/encryption.py); SECRET_KEY when not set.
        "ENCRYPTION_KEY": _env("ENCRYPTION_KEY"),
        "BASE_URL": base_url.rstrip("/"),
        "TRUSTED_HOSTS": [h.strip() for h in (_env("TRUSTED_HOSTS") or "").split(",") if h.strip()]
        or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Said each time: Flask-Limiter's one extension object otherwise keeps what the last
        # application of the process set (a benchmark's, or a test's, turning limits off).
        "RATELIMIT_ENABLED": True,
        # How many proxies (a TLS terminator, a load balancer) stand before the application and
        # set X-Forwarded-For and X-Forwarded-Proto: the client's address and scheme are read
        # from there, so that per-address limits and records name the person, not the proxy.
        "PROXY_HOPS": int(_env("PROXY_HOPS", "0")),
        "LOGIN_LIMIT_PER_IP": _env("LOGIN_LIMIT_PER_IP", "30 per minute; 300 per hour"),
        "LOGIN_LIMIT_PER_ACCOUNT": _env("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 30 per hour"),
        # Two-factor sign-in: admins and experts must use it in production, or when asked here.
        "REQUIRE_STAFF_2FA": _env_bool("REQUIRE_STAFF_2FA", False),
        "SECOND_FACTOR_LIMIT_PER_ACCOUNT": _env("SECOND_FACTOR_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour"),
        "TRUSTED_BROWSER_DAYS": int(_env("TRUSTED_BROWSER_DAYS", "30")),
        # Invitations and re-sent invitations: each e-mail carries text the sender chose.
        "INVITATION_LIMIT_PER_SENDER": _env("INVITATION_LIMIT_PER_SENDER", "20 per minute; 100 per hour; 300 per day"),
        # The REST API's calls per personal access token.
        "API_LIMIT_PER_TOKEN": _env("API_LIMIT_PER_TOKEN", "120 per minute; 3000 per hour"),
        "INVITATION_LIMIT_PER_ADDRESS": _env("INVITATION_LIMIT_PER_ADDRESS", "3 per hour; 6 per day"),
        "MAIL_URL": _env("MAIL_URL") or f"file://{instance_path / 'mail'}",
        "MAIL_FROM": _env("MAIL_FROM", "Coop Extranet <no-reply@example.org>"),
        # "inline" sends queued mail at the end of the request that queued it;
        # "worker" leaves it to `flask --app extranet worker` (several nodes).
        "MAIL_DELIVERY": _env("MAIL_DELIVERY", "inline"),
        # Inbound mail (docs/operations.md): where the worker receives it (smtp://, lmtp://,
        # imap:// or imaps://; none: no inbound mail), the domain of the reply and field
        # addresses (none: notifications carry no Reply-To), and how long a reply address works.
        "INBOUND_URL": _env("INBOUND_URL"),
        "INBOUND_DOMAIN": _env("INBOUND_DOMAIN"),
        "INBOUND_REPLY_DAYS": int(_env("INBOUND_REPLY_DAYS", "90")),
        "MAX_INBOUND_BYTES": int(_env("MAX_INBOUND_BYTES", str(40 * 1024 * 1024))),
        # Seconds after which a message still "being processed" is taken again (its worker died):
        # longer than any processing, virus scans of its attachments included.
        "INBOUND_CLAIM_TIMEOUT": int(_env("INBOUND_CLAIM_TIMEOUT", "900")),
        "BLOCKED_PLUGINS": [p.strip() for p in (_env("BLOCKED_PLUGINS") or "").split(",") if p.strip()],
        # Plugins shipped with the product, enabled until an admin disables them; any other
        # plugin installed with pip starts disabled until an admin enables it ("*": every one).
        "SHIPPED_PLUGINS": [p.strip() for p in (_env("SHIPPED_PLUGINS") or "hr,legal,accounting,it").split(",") if p.strip()],
        "PASSWORD_HASH_METHOD": _env("PASSWORD_HASH_METHOD", "scrypt"),
        "PASSWORD_RESET_MAX_AGE": int(_env("PASSWORD_RESET_MAX_AGE", "3600")),
        "INVITATION_MAX_AGE": int(_env("INVITATION_MAX_AGE", str(7 * 24 * 3600))),
        "SESSION_IDLE_LIFETIME": timedelta(hours=int(_env("SESSION_IDLE_HOURS", "12"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=int(_env("REMEMBER_DAYS", "30"))),
        "SESSION_COOKIE_NAME": "extranet_session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": secure,
        "BABEL_DEFAULT_LOCALE": "fr_CA",
        "BABEL_DEFAULT_TIMEZONE": "America/Toronto",
        "LANGUAGES": ["fr_CA", "en"],
        "CURRENCY": _env("CURRENCY", "CAD"),  # money is shown in it (ISO 4217 code)
        "PAGE_SIZE": 25,
        # How often an open request page asks whether it changed (one indexed query per ask).
        "LIVE_POLL_SECONDS": int(_env("LIVE_POLL_SECONDS", "5")),
        # How long the record of who read whose information is kept (Law 25), in days.
        "ACCESS_LOG_RETENTION_DAYS": int(_env("ACCESS_LOG_RETENTION_DAYS", "730")),
        # How long an export of a person's data may be downloaded before the worker erases it.
        "DATA_EXPORT_DAYS": int(_env("DATA_EXPORT_DAYS", "7")),
        # Expert utilisation in the reports: billable hours per month that count as 100 %.
        "EXPERT_MONTHLY_CAPACITY_HOURS": int(_env("EXPERT_MONTHLY_CAPACITY_HOURS", "120")),
        "STORAGE_URL": _env("STORAGE_URL") or f"file://{instance_path / 'files'}",
        # An S3-compatible server other than AWS (MinIO, Ceph...) for an s3:// STORAGE_URL.
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        # clamd's unix socket path or tcp://host:port: every file is then virus-scanned (files.scan).
        "CLAMD_SOCKET": _env("CLAMD_SOCKET"),
        "MAX_UPLOAD_BYTES": int(_env("MAX_UPLOAD_BYTES", str(50 * 1024 * 1024))),
        # Document space of an organization whose storage_quota is unset (bytes, all fields).
        "DOCUMENT_QUOTA": int(_env("DOCUMENT_QUOTA", str(5 * 10**9))),
        # A whole request: a message may carry several files.
        # Webhooks: deliveries to loopback, private and link-local addresses are refused unless
        # this is set (tests, or a receiver on the operator's own network).
        "WEBHOOK_ALLOW_PRIVATE": _env_bool("WEBHOOK_ALLOW_PRIVATE", False),
        "WEBHOOK_TIMEOUT": float(_env("WEBHOOK_TIMEOUT", "10")),
        "WEBHOOK_MAX_ATTEMPTS": int(_env("WEBHOOK_MAX_ATTEMPTS", "8")),
        # A subscription is disabled (and the admins told) after this many failures in a row.
        "WEBHOOK_DISABLE_AFTER": int(_env("WEBHOOK_DISABLE_AFTER", "20")),
        # How long finished webhook deliveries stay in the log, in days.
        "WEBHOOK_LOG_DAYS": int(_env("WEBHOOK_LOG_DAYS", "30")),
        "MAX_CONTENT_LENGTH": int(_env("MAX_REQUEST_BYTES", str(200 * 1024 * 1024))),
    }


class UnfitForProduction(RuntimeError, click.ClickException):
    """``EXTRANET_PRODUCTION=1`` with settings that cannot work on several nodes. A click
    exception too, so that ``flask --app extranet check`` (or any command) prints the list
    instead of a traceback: the application is built before the command runs."""

    def __init__(self, problems: list[str]):
        message = "Refusing to start in production:\n- " + "\n- ".join(problems)
        RuntimeError.__init__(self, message)
        click.ClickException.__init__(self, message)


def production_problems(config: dict) -> list[str]:
    """Settings that cannot work on several nodes behind a proxy."""
    problems = []
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("EXTRANET_DATABASE_URL must point to PostgreSQL, not SQLite.")
    if not config["REDIS_URL"] or config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        problems.append("EXTRANET_REDIS_URL is required so that rate limits are shared.")
    if not config["SECRET_KEY_FROM_ENV"]:
        problems.append("EXTRANET_SECRET_KEY must be set: every node needs the same key.")
    if config["MAIL_URL"].startswith("file://"):
        problems.append("EXTRANET_MAIL_URL must be an smtp:// URL.")
    if not config["STORAGE_URL"].startswith("s3://"):
        problems.append("EXTRANET_STORAGE_URL must be an s3:// URL: every node must see the same files.")
    if not config["BASE_URL"].startswith("https://"):
        problems.append("EXTRANET_BASE_URL must be an https:// URL.")
    if config["MAIL_DELIVERY"] != "worker":
        problems.append("EXTRANET_MAIL_DELIVERY must be 'worker' (run `flask --app extranet worker`).")
    return problems
