"""What every gunicorn worker would otherwise build for itself on its first requests, built
once in the master before it forks (``preload_app``, extranet/gunicorn_conf.py): the workers
then share those pages instead of each holding its own copy. Nothing here touches the
database, Redis or the network: no connection exists when the workers are forked."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

# What the pages and e-mails are: not the plugins' example or static files.
TEMPLATE_SUFFIXES = (".html", ".txt", ".xml", ".svg", ".ics", ".md")
# Imported by views on first use, so as not to weigh on the CLI and the tests: the login form's
# address check, the XLSX exports (openpyxl: ≈ 6 MiB a worker that exports, once for all here).
IMPORTED_ON_DEMAND = ("email_validator", "openpyxl")


def warm_up(app: Flask) -> None:
    import importlib

    from sqlalchemy.orm import configure_mappers

    for name in IMPORTED_ON_DEMAND:
        importlib.import_module(name)
    configure_mappers()  # every mapper's relationships and loaders, built on the first query else
    _compile_templates(app)
    _load_languages(app)


def _compile_templates(app: Flask) -> None:
    """Jinja compiles a template to Python code on its first render: ≈ 180 templates, each
    worker compiling those it meets. Compiled here, they are in the environment's cache
    (sized to hold them all) when the workers start."""
    env = app.jinja_env
    names = [name for name in env.list_templates() if name.endswith(TEMPLATE_SUFFIXES)]
    if env.cache is not None and env.cache.capacity < len(names):
        from jinja2.utils import LRUCache

        env.cache = LRUCache(len(names) + 100)
    for name in names:
        env.get_template(name)


def _load_languages(app: Flask) -> None:
    """Each language's catalogs (the core's and the plugins') and Babel's locale data (date
    and number patterns), which Flask-Babel and Babel cache per process."""
    from flask_babel import force_locale, format_datetime, format_decimal, get_translations

    now = datetime.now(UTC)
    with app.test_request_context("/"):
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations()
                format_datetime(now)
                format_datetime(now, "short")
                format_decimal(1234.5)

