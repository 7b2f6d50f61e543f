"""``flask --app extranet storage check [--verify] [--repair] [--grace-minutes N]``."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup, with_appcontext


@click.group("storage", cls=AppGroup)
def storage_group() -> None:
    """Stored files: compare them with the database."""


@storage_group.command("check")
@with_appcontext
@click.option("--repair", is_flag=True,
              help="Delete orphan objects and unfinished uploads older than the grace period. "
                   "Rows are never deleted.")
@click.option("--verify", is_flag=True, help="Also read every file and compare it with its sha256.")
@click.option("--grace-minutes", type=click.IntRange(min=0), default=60, show_default=True,
              help="Never delete what is younger than this (an upload on its way to its commit).")
def check_command(repair: bool, verify: bool, grace_minutes: int) -> None:
    """Report orphan objects (no row) and missing files (row, no object); exit 1 when
    problems remain."""
    from extranet.files.check import check_storage
    from extranet.storage import get_storage

    storage = get_storage()
    grace = timedelta(minutes=grace_minutes)
    report = check_storage(storage, repair=repair, verify=verify, grace=grace)
    click.echo(f"Storage: {storage!r}")
    click.echo(f"{report.objects} objects, {report.rows} rows referencing one.")

    click.echo(f"Orphan objects (stored, no row): {len(report.orphans)}")
    for orphan in report.orphans:
        state = _fate(orphan.key in report.deleted, orphan.recent, grace_minutes, "deleted", "delete",
                      young=" (an upload in progress?)")
        click.echo(f"  - {orphan.key}  written {orphan.modified:%Y-%m-%d %H:%M:%S} UTC  [{state}]")

    click.echo(f"Unfinished uploads: {len(report.unfinished)}")
    for item in report.unfinished:
        state = _fate(item.name in report.cleaned, item.recent, grace_minutes, "removed", "remove")
        click.echo(f"  - {item.name}  started {item.started:%Y-%m-%d %H:%M:%S} UTC  [{state}]")

    click.echo(f"Missing files (row, no object): {len(report.missing)}")
    for row in report.missing:
        click.echo(f"  - {row.kind} {row.id} ({row.detail}) {row.filename!r}: object {row.key} "
                   f"is missing; restore it from a backup, or delete the row knowingly")
    if verify:
        click.echo(f"Corrupt files (sha256 mismatch): {len(report.corrupt)}")
        for row, found in report.corrupt:
            click.echo(f"  - {row.kind} {row.id} ({row.detail}) {row.filename!r}: object {row.key} "
                       f"has {found}, recorded {row.size} bytes, sha256 {row.sha256}")

    if report.clean:
        click.echo("Storage is consistent with the database.")
        return
    click.echo(f"{report.problems} problem(s) remain.")
    raise SystemExit(1)


def _fate(done: bool, recent: bool, grace_minutes: int, done_word: str, verb: str, young: str = "") -> str:
    """What became of an orphan object or an unfinished upload: ``done_word`` when this run
    repaired it, kept while younger than the grace period, else the way to repair it."""
    if done:
        return done_word
    if recent:
        return f"kept: younger than {grace_minutes} min{young}"
    return f"run with --repair to {verb}"
