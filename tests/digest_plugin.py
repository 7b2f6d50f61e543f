"""A test plugin that is not a field (issue 10 §3): kept apart from the test modules, whose
calls to ``require`` the start-up check of a plugin's actions would read as its own."""

from __future__ import annotations

from extranet.api import hookimpl


class Integration:
    """A plugin that is not a field: a report, with its own page, permission and setting."""

    SLUG = "digest"

    def __init__(self):
        from flask import Blueprint

        from extranet.api import require

        self.blueprint = Blueprint("digest", __name__)

        @self.blueprint.get("/")
        def index():
            require("digest.read")
            return "the weekly digest"

    @hookimpl
    def extranet_register_modules(self, app):
        from extranet.api import PluginModule

        return [PluginModule("digest", "Weekly digest", description="A report by e-mail")]

    @hookimpl
    def extranet_register_blueprints(self, app):
        return [self.blueprint]

    @hookimpl
    def extranet_register_rules(self, app):
        from extranet.api import Rule

        return [Rule("digest.read", lambda user, target: True)]  # the module's state is the policy's
