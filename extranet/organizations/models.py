from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db

KINDS = {
    "federation": _l("Federation"),
    "cooperative": _l("Cooperative"),
    "mutual": _l("Mutual"),
    "association": _l("Association"),
    "nonprofit": _l("Non-profit"),
}

ROLES = {"manager": _l("Manager"), "member": _l("Member")}


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    share_with_federation: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(10), default="fr_CA")
    # Bytes of documents the organization may keep; None: the configured default.
    storage_quota: Mapped[int | None] = mapped_column(BigInteger)
    # Set by its managers: its members must sign in with a second factor.
    requires_second_factor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )
    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def is_federation(self) -> bool:
        return self.kind == "federation"

    @property
    def subscribed_fields(self) -> set[str]:
        return {s.field for s in self.subscriptions if s.active}

    def __repr__(self) -> str:
        return f"<Organization {self.name}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="member")
    active: Mapped[bool] = mapped_column(default=True)
    # An invitation the person has not accepted yet: no access (``active`` is False) until they
    # accept it, signed in as themselves. Until then the organization's managers see the name
    # they typed, never the account's own, so that an invitation tells nothing about who owns
    # an address.
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    invited_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    @property
    def role_label(self) -> str:
        return str(ROLES.get(self.role, self.role))

    @property
    def shown_name(self) -> str:
        """The name an organization's people see: the invited name while the invitation waits."""
        return self.invited_name if self.pending and self.invited_name else self.user.name


class Subscription(db.Model):
    """Which fields an organization may use."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("organization_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)

    organization: Mapped[Organization] = relationship(back_populates="subscriptions")
