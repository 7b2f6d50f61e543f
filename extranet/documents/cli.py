"""``flask --app extranet documents …``: upkeep of the document spaces."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

documents_group = AppGroup("documents", help="Document spaces: upkeep.")


@documents_group.command("purge-trash")
@with_appcontext
def purge_trash() -> None:
    """Erase the documents deleted more than 30 days ago (rows, then stored objects)."""
    from extranet.documents.service import purge_expired

    count = purge_expired()
    click.echo(f"{count} document(s) purged from the trash.")
