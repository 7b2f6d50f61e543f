from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extranet.db_types import UTCDateTime, utcnow
from extranet.encryption import Encrypted
from extranet.extensions import db


def normalize_email(email: str) -> str:
    return email.strip().lower()


# What an erased person is called, in the reader's language; the column keeps the default
# language's words, so that a list sorted or searched by name in SQL finds them too.
FORMER_MEMBER = _l("Former member")
FORMER_MEMBER_STORED = "Ancien membre"


DEFAULT_CAPACITY_MINUTES = 35 * 60


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case so that uniqueness is case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    _name: Mapped[str] = mapped_column("name", String(200))
    # None until an invited person chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(10), default="fr_CA")
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_expert: Mapped[bool] = mapped_column(default=False)
    # What the expert's timesheet measures a week's total against (35 hours unless changed).
    weekly_capacity_minutes: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY_MINUTES,
                                                         server_default=str(DEFAULT_CAPACITY_MINUTES))
    # Sees the requests for an export or the erasure of personal information (privacy/), nothing
    # else: Law 25's person in charge of the protection of personal information.
    is_privacy_officer: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (auth/second_factor.py): the TOTP secret, shown once at enrolment and
    # never again; when it was confirmed (None: not enrolled); the last time step a code was
    # accepted for, so that a code is never accepted twice. The secret is stored encrypted
    # (extranet/encryption.py): the database alone cannot generate codes.
    totp_secret: Mapped[str | None] = mapped_column("totp_secret_encrypted", Encrypted(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # When the person's information was erased at their request (privacy/service.py): the row
    # stays for the organization's records, anonymised, and is named "Former member".
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )
    expert_fields: Mapped[list[ExpertField]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @hybrid_property
    def name(self) -> str:
        if self.erased_at is not None:
            return str(FORMER_MEMBER)
        return self._name

    @name.inplace.setter
    def _name_setter(self, value: str) -> None:
        self._name = value

    @name.inplace.expression
    @classmethod
    def _name_expression(cls):
        return cls._name

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.is_expert

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def invitation_pending(self) -> bool:
        return self.password_hash is None

    @property
    def field_slugs(self) -> set[str]:
        return {f.field for f in self.expert_fields}

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(db.select(cls).where(cls.email == normalize_email(email)))


class ExpertField(db.Model):
    """Which experts serve which fields (by field slug)."""

    __tablename__ = "expert_fields"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship(back_populates="expert_fields")
