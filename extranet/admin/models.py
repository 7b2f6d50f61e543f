from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db


class Module(db.Model):
    """The admin's on/off switch for a field plugin. No row means enabled."""

    __tablename__ = "modules"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
