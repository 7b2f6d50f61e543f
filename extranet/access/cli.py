"""``flask --app extranet access …``: upkeep of the record of who read what."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

access_group = AppGroup("access", help="The record of who read whose information.")


@access_group.command("purge")
@with_appcontext
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep this many days (default: ACCESS_LOG_RETENTION_DAYS).")
def purge(days: int | None) -> None:
    """Delete the access records older than the retention."""
    from extranet.access.service import purge_older_than, retention_days
    from extranet.extensions import db

    kept = retention_days() if days is None else days
    count = purge_older_than(kept)
    db.session.commit()
    click.echo(f"{count} access record(s) older than {kept} days deleted.")
