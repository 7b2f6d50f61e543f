"""Flask-Migrate, loaded only where migrations run: the ``flask db`` commands and the tests'
upgrades. Flask-Migrate imports alembic, mako and their dependencies (≈ 11 MiB and 145 modules
a process); a serving gunicorn worker never migrates, so it never imports them
(tests/test_lazy_imports.py keeps it so)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app


class MigrateSettings:
    """What ``app.extensions["migrate"]`` holds for flask_migrate's functions and
    ``migrations/env.py`` (the attributes of flask_migrate's own ``_MigrateConfig``), the
    ``Migrate`` object itself made on first use."""

    def __init__(self, db, directory: str):
        self.db = db
        self.directory = directory
        self.configure_args = {"compare_type": True, "render_as_batch": True}
        self._migrate = None

    @property
    def metadata(self):
        return self.db.metadata

    @property
    def migrate(self):
        if self._migrate is None:
            from flask_migrate import Migrate

            migrate = Migrate(db=self.db, directory=self.directory, render_as_batch=True)
            migrate.configure(_plugin_migration_branches)
            self._migrate = migrate
        return self._migrate


class DbCommands(click.Group):
    """``flask db``: Flask-Migrate's command group, imported once a ``db`` command is run (and
    not when ``flask --help`` lists it)."""

    def __init__(self):
        super().__init__("db", help="Perform database migrations.")

    @staticmethod
    def _real():
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


def init_app(app: Flask, db, directory: str) -> None:
    app.extensions["migrate"] = MigrateSettings(db, directory)
    app.cli.add_command(DbCommands())


def _plugin_migration_branches(config):
    """Core revisions plus each plugin's own branch (``<plugin>/migrations``)."""
    locations = [
        os.path.join(config.get_main_option("script_location"), "versions"),
        *current_app.extensions.get("extranet.migration_dirs", []),
    ]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config
