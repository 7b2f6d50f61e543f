"""``flask --app extranet search reindex``."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


@click.group("search", cls=AppGroup)
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the whole index from the database (after a bulk load or a restore), in one
    transaction: searches see the old index until it commits."""
    from extranet.extensions import db
    from extranet.search.index import reindex, rows_to_index

    total = rows_to_index()
    with click.progressbar(length=total, label="Indexing") as bar:
        done = reindex(progress=bar.update)
    db.session.commit()
    click.echo(f"{done} rows indexed.")
