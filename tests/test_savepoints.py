"""A savepoint is part of the transaction around it, on SQLite as on PostgreSQL.

Python's sqlite3 opens a transaction only before an INSERT, UPDATE or DELETE: a SAVEPOINT sent
first starts one of its own, and releasing it commits. A use case whose first write sits in a
savepoint (an agreement saved, a statement closed) would then keep that row even when the rest of
its transaction fails and is rolled back."""

from __future__ import annotations

from extranet.audit.models import AuditEvent
from extranet.extensions import db


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_first_write_in_a_savepoint_is_rolled_back_with_its_transaction(app):
    with app.app_context():
        with db.session.begin_nested():
            db.session.add(AuditEvent(action="test.in_savepoint"))
        db.session.add(AuditEvent(action="test.after"))
        db.session.flush()
        db.session.rollback()
    assert "test.in_savepoint" not in _actions(app)
    assert "test.after" not in _actions(app)


def test_a_savepoint_rolled_back_keeps_the_rest_of_its_transaction(app):
    with app.app_context():
        db.session.add(AuditEvent(action="test.before"))
        db.session.flush()
        nested = db.session.begin_nested()
        db.session.add(AuditEvent(action="test.undone"))
        db.session.flush()
        nested.rollback()
        db.session.commit()
    assert _actions(app)[-1:] == ["test.before"]
    assert "test.undone" not in _actions(app)
