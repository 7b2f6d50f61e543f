"""``flask --app extranet backup DEST`` and ``flask --app extranet restore SOURCE [--force]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from extranet.backup.manifest import DamagedBackup
from extranet.backup.service import BackupRefused
from extranet.backup.service import backup as make_backup
from extranet.backup.service import restore as restore_backup
from extranet.extensions import db
from extranet.storage import get_storage


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """Write a consistent snapshot of the database and of every stored file it references
    into the folder DEST (new or empty), while the application keeps serving."""
    try:
        manifest = make_backup(dest, db.engine, get_storage(), say=click.echo)
    except BackupRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup of {manifest.created_at} written to {dest}: "
               f"{len(manifest.files)} files, schema {', '.join(manifest.revisions)}.")
    if manifest.missing:
        click.echo(f"{len(manifest.missing)} files deleted while the backup ran were not copied "
                   "(their rows were deleted too).")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and storage that are not empty.")
def restore_command(source: Path, force: bool) -> None:
    """Restore the backup in SOURCE into the database and storage of the settings
    (EXTRANET_DATABASE_URL, EXTRANET_STORAGE_URL), after checking every byte of it."""
    try:
        manifest = restore_backup(source, db.engine, get_storage(), force=force, say=click.echo)
    except DamagedBackup as error:
        raise click.ClickException(f"damaged or partial backup, nothing restored: {error}") from error
    except BackupRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the backup of {manifest.created_at}. "
               "Run `flask --app extranet db upgrade heads` if this version is newer.")
