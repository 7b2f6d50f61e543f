"""Wiring of the web layer: languages, blueprints, the request cycle, error pages."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from flask import Flask, g, has_request_context, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from extranet.extensions import babel, db
from extranet.web import formats
from extranet.web.forms import is_choice_group
from extranet.web.problems import is_api_call, problem
from extranet.web.security import apply_security_headers
from extranet.web.services_menu import services_of
from extranet.web.text import text_to_html

LANGUAGE_SESSION_KEY = "locale"
log = logging.getLogger(__name__)


def select_locale() -> str:
    languages = babel_languages()
    if not has_request_context():  # CLI and workers: the default language
        return languages[0]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def babel_languages() -> list[str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def init_babel(app: Flask, host) -> None:
    """Core catalogs first, then each plugin's own ``translations`` folder."""
    directories = [str(Path(__file__).parent.parent / "translations")]
    for folder in host.plugin_directories():
        if (folder / "translations").is_dir() and str(folder / "translations") not in directories:
            directories.append(str(folder / "translations"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    babel.init_app(app, locale_selector=select_locale)
    formats.init_app(app)  # after Flask-Babel, whose filters of the same names these replace
    # The default domain caches catalogs per locale across applications; start clean.
    with app.app_context():
        babel.domain_instance.cache.clear()


def handle_resets_after_answer(app: Flask) -> None:
    """Embedded mode's worker for password resets: runs once the answer is sent (Werkzeug
    calls it when the response closes), in an application context of its own."""
    from extranet.auth.service import handle_reset_requests
    from extranet.notifications.mail import deliver_due

    with app.app_context():
        try:
            handle_reset_requests()
            db.session.commit()
            deliver_due()
        except Exception:  # the rows wait for the worker or the next request
            log.exception("password reset handling failed")
            db.session.rollback()


def field_url(field) -> str:
    """A field's home page: a plugin mounts it at ``/<slug>/``, the core serves a stored one's."""
    return url_for("stored_field.home", field_slug=field.slug) if field.stored else f"/{field.slug}/"


def init_request_cycle(app: Flask, host) -> None:
    import extranet.policy as policy
    from extranet.access import service as access
    from extranet.db_types import utcnow
    from extranet.files.downloads import refusal
    from extranet.notifications.mail import deliver_queued_after_request
    from extranet.panels import page_panels
    from extranet.requests import presenters
    from extranet.requests.views import open_states

    app.before_request(host.gate_request)

    @app.after_request
    def after(response):
        deliver_queued_after_request(response)
        access.flush(response)
        if g.get("reset_requested") and app.config["MAIL_DELIVERY"] == "inline":
            # After the answer has gone, so that its time is the same for every address.
            response.call_on_close(partial(handle_resets_after_answer, app))
        return apply_security_headers(response)

    @app.context_processor
    def globals_for_templates():
        return {
            "can": lambda action, target=None: policy.can(current_user, action, target),
            "current_organization": policy.current_organization,
            "switchable_organizations": lambda: policy.switchable_organizations(current_user),
            "services_of": services_of,
            "page_panels": lambda page, target: page_panels(page, current_user, target),
            "current_locale": lambda: str(get_locale()),
        }

    app.jinja_env.globals["LANGUAGES"] = {"fr_CA": "Français", "en": "English"}
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["field_url"] = field_url
    app.jinja_env.globals.update(
        field_label=presenters.field_label,
        type_label=presenters.type_label,
        state_label=presenters.state_label,
        request_answers=presenters.answers,
        open_states=open_states,
        now=utcnow,
        file_refusal=refusal,  # why a stored file cannot be downloaded now (its scan), or None
    )
    app.jinja_env.filters["text"] = text_to_html
    app.jinja_env.tests["choice_group"] = is_choice_group
    app.jinja_env.add_extension("jinja2.ext.do")


def url_with(drop=(), **changes) -> str:
    """The current URL with some query arguments changed (pagination, sorting, filters), and
    those named in ``drop`` removed (a list's cursor that the new link does not use)."""
    args = {k: v for k, v in request.args.to_dict().items() if k not in drop}
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Forbidden"), _l("You are not allowed to do this.")),
    404: (_l("Page not found"), _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    413: (_l("Too large"), _l("What you sent is larger than allowed.")),
    429: (_l("Too many attempts"), _l("Please wait a moment before trying again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again later.")),
}


def register_error_handlers(app: Flask) -> None:
    def handle(error):
        code = getattr(error, "code", 500) or 500
        title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
        if isinstance(error, CSRFError):
            text = _l("The form has expired. Reload the page and try again.")
        if code >= 500:
            # The failed transaction may be unusable (PostgreSQL): the error page needs a clean one.
            db.session.rollback()
        if is_api_call():  # a program reads it: no page, the same words
            allowed = getattr(error, "valid_methods", None)
            return problem(code, text, headers={"Allow": ", ".join(allowed)} if allowed else None)
        return render_template("errors/error.html", code=code, title=title, text=text), code

    for code in ERROR_TEXTS:
        app.register_error_handler(code, handle)
    app.register_error_handler(CSRFError, handle)
