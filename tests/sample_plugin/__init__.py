"""A test plugin that implements every hook of the plugin contract."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

from extranet.api import Field, Widget, current_organization, hookimpl, login_required, render, require


class SamplePlugin:
    SLUG = "sample"

    def __init__(self, slug: str = "sample", order: int = 50):
        self.SLUG = slug
        self.order = order
        self.initialised_apps = []
        self.blueprint = Blueprint(slug, __name__, template_folder="templates")
        self.blueprint.add_url_rule("/", "index", login_required(self.index))
        self.blueprint.add_url_rule("/widget", "widget", login_required(self.widget))

    def index(self):
        require("field.use", self.SLUG)
        return render("sample/index.html", organization=current_organization(), slug=self.SLUG)

    def widget(self):
        require("field.use", self.SLUG)
        return render("sample/_widget.html")

    @hookimpl
    def extranet_init_app(self, app):
        self.initialised_apps.append(app)

    @hookimpl
    def extranet_register_fields(self, app):
        return [Field(slug=self.SLUG, label=_l("Sample field"), description="For tests", order=self.order)]

    @hookimpl
    def extranet_register_blueprints(self, app):
        return [self.blueprint]

    @hookimpl
    def extranet_dashboard_widgets(self, user, organization):
        return [Widget(slug=self.SLUG, title="Sample widget", url=url_for(f"{self.SLUG}.widget"), order=self.order)]
