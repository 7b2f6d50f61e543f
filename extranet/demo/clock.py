"""The demo's clock. The demo replays a cooperative's past through the product's own services,
and they read the time through ``extranet.db_types.utcnow``: while the demo runs, that clock
shows the moment being replayed, so that everything written then (events, messages,
notifications, audit, references, due dates, closed statements) carries the moment it happened
rather than the moment the demo was loaded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from unittest import mock

import extranet.db_types as db_types


class Clock:
    def __init__(self, present: datetime | None = None) -> None:
        # The moment the demo is loaded: the real time, unless told (the tests load it at the
        # awkward moments: New Year's night, a month's first minutes, a change of hour).
        self.present = present.astimezone(UTC) if present is not None else None
        self.moment: datetime | None = None  # None: the present

    def now(self) -> datetime:
        if self.moment is not None:
            return self.moment
        return self.present or datetime.now(UTC)

    @contextmanager
    def running(self) -> Iterator[Clock]:
        """Make ``db_types.utcnow`` read this clock (one process, one thread: the CLI)."""
        clock = self

        class Replayed(datetime):
            @classmethod
            def now(cls, tz=None):
                moment = clock.now()
                return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

        with mock.patch.object(db_types, "datetime", Replayed):
            try:
                yield self
            finally:
                self.moment = None

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        previous, self.moment = self.moment, moment.astimezone(UTC)
        try:
            yield
        finally:
            self.moment = previous
