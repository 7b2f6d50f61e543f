"""``flask --app extranet …`` commands: demo, create-admin, plugins, worker, check, backup and
restore (and the features' groups: storage, documents, search)."""

from __future__ import annotations

import base64
import binascii
import secrets
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from extranet.access.cli import access_group
from extranet.backup.cli import backup_command, restore_command
from extranet.documents.cli import documents_group
from extranet.extensions import db
from extranet.files.cli import storage_group
from extranet.search.cli import search_group


def register(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(plugins_group)
    app.cli.add_command(worker)
    app.cli.add_command(check)
    app.cli.add_command(storage_group)
    app.cli.add_command(documents_group)
    app.cli.add_command(access_group)
    app.cli.add_command(search_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("demo")
@with_appcontext
@click.option("--password", envvar="DEMO_PASSWORD", help="Password of every demo account.")
@click.option(
    "--totp-secret",
    envvar="DEMO_TOTP_SECRET",
    help="Base32 secret: every staff account then signs in with a code of this secret too.",
)
def demo(password: str | None, totp_secret: str | None) -> None:
    """Load (or refresh) the demo consortium. Safe to run again."""
    from extranet.demo import load_demo

    if totp_secret:
        totp_secret = "".join(totp_secret.split()).upper()
        try:
            base64.b32decode(totp_secret + "=" * (-len(totp_secret) % 8))
        except (binascii.Error, ValueError) as error:
            raise click.BadParameter("not a base32 secret", param_hint="DEMO_TOTP_SECRET") from error
    password = password or secrets.token_urlsafe(9)
    accounts = load_demo(password, totp_secret=totp_secret or None)
    click.echo(f"Demo accounts (password: {password}):")
    if totp_secret:
        click.echo("Staff accounts (admin, experts) also ask for a code of DEMO_TOTP_SECRET.")
    for email, description in accounts:
        click.echo(f"  {email:<28} {description}")


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--name", default="Administrateur")
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account, or make an existing account one."""
    from extranet.accounts.models import User, normalize_email

    user = User.by_email(email) or User(email=normalize_email(email), name=name)
    user.is_admin = True
    user.active = True
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")


@click.group("plugins", cls=AppGroup, invoke_without_command=True)
@click.pass_context
@with_appcontext
def plugins_group(ctx: click.Context) -> None:
    """List field plugins with version and state; enable or disable one."""
    if ctx.invoked_subcommand is None:
        _print_plugins()


def _print_plugins() -> None:
    from extranet.plugins import host

    plugins = host()
    plugins.refresh_stored()
    states = plugins.module_states()
    click.echo(f"{'slug':<16}{'version':<12}{'state':<10}label")
    for slug, field in plugins.modules.items():
        state = "enabled" if states[slug] else "disabled"
        version = "stored" if field.stored else plugins.versions.get(slug, "-")
        click.echo(f"{slug:<16}{version:<12}{state:<10}{field.label}")
    for name in current_app.config["BLOCKED_PLUGINS"]:
        click.echo(f"{name:<16}{'-':<12}blocked")


def _toggle(slug: str, enabled: bool) -> None:
    from extranet.admin.service import set_module_enabled
    from extranet.plugins import host

    host().refresh_stored()  # a field created in the browser is a module too
    try:
        set_module_enabled(slug, enabled, via="cli")
    except KeyError:
        raise click.ClickException(f"No module named {slug!r}. See `flask --app extranet plugins`.") from None
    db.session.commit()
    click.echo(f"{slug}: {'enabled' if enabled else 'disabled'}")


@plugins_group.command("enable")
@click.argument("slug")
def enable_plugin(slug: str) -> None:
    """Enable a module (effective on the next request, in every process)."""
    _toggle(slug, True)


@plugins_group.command("disable")
@click.argument("slug")
def disable_plugin(slug: str) -> None:
    """Disable a module: its pages answer 404, its data is kept."""
    _toggle(slug, False)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Drain what is due, then stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker(once: bool, interval: float) -> None:
    """Turn password reset requests into e-mails (or discard them), send the e-mail outbox,
    retrying failures with back-off, scan again the files whose virus scan is pending, build the
    exports people asked of their data and erase the expired ones, apply the retention rules once
    a day, deliver webhooks (retrying failures with back-off), read the text of stored files for
    search, warn, remind and close what the service targets call for, and receive and process
    inbound mail (EXTRANET_INBOUND_URL: an SMTP/LMTP receiver, or IMAP polling)."""
    from extranet.inbound.receiver import receives_by_smtp, start_receiver

    inbound_url = current_app.config["INBOUND_URL"]
    receiver = None
    if receives_by_smtp(inbound_url) and not once:
        receiver = start_receiver(current_app._get_current_object(), inbound_url)
        click.echo(f"inbound: receiving mail at {inbound_url}")
    try:
        _work(once, interval, inbound_url)
    finally:
        if receiver is not None:
            receiver.stop()


def _work(once: bool, interval: float, inbound_url: str | None) -> None:
    from extranet.auth.service import handle_reset_requests
    from extranet.files.rescan import rescan_due
    from extranet.files.text import read_pending
    from extranet.inbound.receiver import poll_imap, receives_by_imap
    from extranet.inbound.service import process_pending
    from extranet.notifications.mail import deliver_due
    from extranet.plugins import host
    from extranet.privacy.retention import apply_if_due, totals
    from extranet.privacy.service import build_waiting_exports, purge_expired_exports
    from extranet.servicetargets.worker import run_due
    from extranet.webhooks.delivery import deliver_due as deliver_webhooks
    from extranet.webhooks.delivery import purge_log as purge_webhook_log

    while True:
        # Fields created in the browser since the last pass: exports and e-mails name them.
        host().refresh_stored()
        handle_reset_requests()
        db.session.commit()
        if receives_by_imap(inbound_url):
            try:
                polled = poll_imap(inbound_url)
            except Exception as exc:  # the mailbox keeps the mail: the next pass tries again
                db.session.rollback()
                click.echo(f"inbound: IMAP polling failed: {exc}")
            else:
                if polled:
                    click.echo(f"inbound: {polled} messages fetched")
        while True:  # inbound mail before the outbox, so that its answers leave in this pass
            processed = process_pending()
            if processed:
                click.echo("inbound: " + ", ".join(f"{n} {status}" for status, n in sorted(processed.items())))
            if not processed or not once:
                break
        while True:  # mail goes out by batches; --once drains them all
            sent, failed = deliver_due()
            if sent or failed:
                click.echo(f"mail: {sent} sent, {failed} failed")
            if not (sent or failed) or not once:
                break
        delivered, failed = deliver_webhooks()
        if delivered or failed:
            click.echo(f"webhooks: {delivered} delivered, {failed} failed")
        forgotten = purge_webhook_log()
        if forgotten:
            click.echo(f"webhooks: {forgotten} finished deliveries removed from the log")
        scanned = rescan_due()
        if scanned:
            click.echo("scan: " + ", ".join(f"{n} {status}" for status, n in sorted(scanned.items())))
        built, failed = build_waiting_exports()
        if built or failed:
            click.echo(f"exports: {built} built, {failed} failed")
        purged = purge_expired_exports()
        if purged:
            click.echo(f"exports: {purged} expired and erased")
        run = apply_if_due()
        if run is not None:
            removed = totals(run)
            click.echo("retention: " + (", ".join(f"{n} {kind}" for kind, n in sorted(removed.items())) or "nothing") + " removed")
        while True:  # service targets: a batch a pass; --once drains them all
            reminded = run_due()
            if reminded:
                click.echo(f"service targets: {reminded} reminders sent or requests closed")
            if not reminded or not once:
                break
        while True:  # files: a batch at a time, so that mail is never kept waiting long
            read, unreadable = read_pending()
            if read or unreadable:
                click.echo(f"text: {read} files read, {unreadable} unreadable")
            if not (read or unreadable) or not once:
                break
        if once:
            return
        time.sleep(interval)


@click.command("check")
@with_appcontext
def check() -> None:
    """Check the configuration for a production deployment."""
    from extranet.config import production_problems

    problems = production_problems(current_app.config)
    for problem in problems:
        click.echo(f"- {problem}")
    if problems:
        raise SystemExit(1)
    click.echo("Configuration ready for production.")
