"""Personal access tokens: what an integration presents to the REST API instead of a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db

# The kinds of resource a token is scoped to, each read or (for those the API changes) write,
# which includes read.
RESOURCE_KINDS = ("requests", "messages", "documents", "hours", "organizations", "fields")
WRITABLE_KINDS = ("requests", "messages", "documents", "hours")
SCOPES = tuple(f"{kind}:{access}" for kind in RESOURCE_KINDS
               for access in (("read", "write") if kind in WRITABLE_KINDS else ("read",)))


class ApiToken(db.Model):
    """A token of one person, with the scopes it was given. Only the SHA-256 of the secret is
    kept (the secret is 256 random bits, so a plain hash cannot be reversed by guessing): it is
    shown once, when it is made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, shown in the list so that a person knows which is which.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def allows(self, kind: str, write: bool = False) -> bool:
        return f"{kind}:write" in self.scopes or (not write and f"{kind}:read" in self.scopes)

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
