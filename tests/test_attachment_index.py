"""A page's attachments are read through the message index on SQLite, though nearly every file
version is a document's (no message): SQLite's statistics count NULL as one value, and with it in
the index the planner read the whole table instead (≈ 10 ms at ×10 for five messages)."""

from __future__ import annotations

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.dialects import sqlite

import extranet.documents.models
import extranet.requests.models  # noqa: F401 (the tables file_versions refers to, for its columns' types)
from extranet.files.models import FileVersion


def test_attachments_are_read_through_the_message_index_when_most_versions_are_documents():
    engine = create_engine("sqlite://")
    table = FileVersion.__table__
    with engine.begin() as conn:
        table.create(conn)  # SQLite checks no foreign key unless asked: the table alone
        common = {"size": 1, "sha256": "0" * 64, "mime": "text/plain", "filename": "f.txt"}
        conn.execute(insert(table), [{"kind": "document", "document_id": i, "number": 1,
                                      "storage_key": f"d{i}", **common} for i in range(2000)])
        conn.execute(insert(table), [{"kind": "attachment", "message_id": i, "storage_key": f"m{i}", **common}
                                     for i in range(20)])
        conn.execute(text("ANALYZE"))
        # What ``selectinload(Message.attachments)`` asks for a page's messages (ordered by id).
        attachments = (select(table.c.message_id, table.c.id).where(table.c.message_id.in_([1, 2, 3, 4, 5]))
                       .order_by(table.c.id))
        sql = str(attachments.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[3] for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        loads = conn.execute(attachments).all()
    assert [message for message, _id in loads] == [1, 2, 3, 4, 5]
    assert "ix_file_versions_message_id (message_id=?)" in plan, plan
