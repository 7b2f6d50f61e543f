"""``selective()``: SQLite is told that a condition keeps few rows, PostgreSQL gets it as is, and
the rows are the same either way."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from extranet.query_hints import selective

metadata = MetaData()
requests = Table(
    "requests", metadata,
    Column("id", Integer, primary_key=True), Column("state", String(20)), Column("created_at", DateTime),
    Index("ix_state_created", "state", "created_at", "id"), Index("ix_created", "created_at"),
)
OPEN = ("submitted", "in_progress")


def _sql(statement, dialect) -> str:
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_sqlite_gets_a_likelihood_and_postgresql_the_condition():
    query = select(requests.c.id).where(selective(requests.c.state.in_(OPEN)), requests.c.id > 1)
    assert "likelihood(requests.state IN ('submitted', 'in_progress'), 0.01) AND requests.id > 1" in _sql(
        query, sqlite.dialect())
    plain = _sql(query, postgresql.dialect())
    assert "likelihood" not in plain and "requests.state IN ('submitted', 'in_progress') AND requests.id > 1" in plain


def _engine():
    from datetime import datetime, timedelta

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    start = datetime(2020, 1, 1)
    with engine.begin() as conn:
        # Years of closed requests and a few open ones: what ANALYZE cannot tell apart.
        conn.execute(requests.insert(), [
            {"id": i, "state": OPEN[i % 2] if i % 100 == 0 else "closed", "created_at": start + timedelta(hours=i)}
            for i in range(1, 5001)])
        conn.execute(text("ANALYZE"))
    return engine


def test_the_hint_keeps_the_rows_and_reads_the_open_ones_through_their_index():
    engine = _engine()
    plain = select(requests.c.id).where(requests.c.state.in_(OPEN)).order_by(requests.c.created_at).limit(10)
    hinted = select(requests.c.id).where(selective(requests.c.state.in_(OPEN))).order_by(
        requests.c.created_at).limit(10)
    with engine.connect() as conn:
        assert conn.execute(hinted).scalars().all() == conn.execute(plain).scalars().all() == list(range(100, 1001, 100))
        # The same statement with other states, from the statement cache: the parameters follow.
        closed = select(requests.c.id).where(selective(requests.c.state.in_(["closed"]))).limit(2)
        assert conn.execute(closed).scalars().all() == [1, 2]
        plan = " ".join(row[3] for row in conn.execute(text("EXPLAIN QUERY PLAN " + _sql(hinted, sqlite.dialect()))))
    assert "INDEX ix_state_created (state=?)" in plan, plan
