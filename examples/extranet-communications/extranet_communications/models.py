"""The plugin's own table, created by its migration branch (``migrations/``), prefixed with
its slug as the registry requires."""

from __future__ import annotations

from extranet.api import db


class Publication(db.Model):
    """A request's planned publication date, in a column the calendar can sort and index: a
    newsletter's issue date is otherwise only a value in the request's JSON data."""

    __tablename__ = "communications_publications"

    id = db.Column(db.Integer, primary_key=True)
    request_id = db.Column(db.Integer, db.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False,
                           unique=True)
    planned_on = db.Column(db.Date, nullable=False, index=True)
