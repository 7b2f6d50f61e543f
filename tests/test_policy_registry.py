"""The policy's registry: each feature's and plugin's rules, gathered once at start-up; an action
registered twice, badly named, or named by the code with no rule stops the start; one built at run
time with no rule is refused, never a server error."""

from __future__ import annotations

import importlib.util
import logging
import sys

import pytest

from extranet.api import Rule, hookimpl
from extranet.core_plugin import CORE_WIDGETS
from extranet.plugins import PluginError
from tests.sample_plugin import SamplePlugin


def test_every_feature_has_its_rules_in_the_registry(app):
    from extranet.policy import actions

    with app.app_context():
        known = set(actions())
    assert {"request.view", "document.view", "time.log", "statements.view", "field.use", "audit.view"} <= known
    assert {action for *_, action in CORE_WIDGETS} <= known


def test_an_action_of_another_name_than_the_plugin_is_refused(register_plugin):
    class Poacher(SamplePlugin):
        @hookimpl
        def extranet_register_rules(self, app):
            return [Rule("request.view", lambda user, target: True)]

    with pytest.raises(PluginError, match="action 'request.view' must start with 'sample.'"):
        register_plugin(Poacher())


def test_an_action_registered_twice_is_refused(register_plugin):
    class Twice(SamplePlugin):
        @hookimpl
        def extranet_register_rules(self, app):
            return [Rule("sample.answers", self.see_answers), Rule("sample.answers", self.see_answers)]

    with pytest.raises(PluginError, match="'sample.answers', which already has a rule"):
        register_plugin(Twice())


@pytest.mark.parametrize("rule", [Rule("sample.Answers!", lambda u, t: True), Rule("sample.answers", None), "sample.answers"])
def test_a_rule_that_is_not_one_is_refused(register_plugin, rule):
    class Broken(SamplePlugin):
        @hookimpl
        def extranet_register_rules(self, app):
            return [rule]

    with pytest.raises(PluginError, match="Plugin 'sample'"):
        register_plugin(Broken())


def test_an_action_named_in_code_with_no_rule_stops_the_start(register_plugin, tmp_path):
    source = tmp_path / "typo_plugin.py"
    source.write_text(
        "from extranet.api import require\n"
        "from tests.sample_plugin import SamplePlugin\n\n\n"
        "class TypoPlugin(SamplePlugin):\n"
        "    def answers(self):\n"
        '        require(' '"sample.answer")  # the rule is sample.answers\n'
    )
    spec = importlib.util.spec_from_file_location("typo_plugin", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules["typo_plugin"] = module
    try:
        spec.loader.exec_module(module)
        with pytest.raises(PluginError, match=r"typo_plugin\.py names the action 'sample\.answer', which no rule answers"):
            register_plugin(module.TypoPlugin())
    finally:
        del sys.modules["typo_plugin"]


def test_an_action_built_at_run_time_with_no_rule_is_refused_and_logged(app, people, caplog):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.policy import can

    with app.test_request_context(), caplog.at_level(logging.ERROR, logger="extranet.policy"):
        admin = db.session.get(User, people.admin.id)
        action = "nobody.knows"  # as if built at run time, unseen by the start-up check
        assert not can(admin, action)
    assert "no rule answers the action 'nobody.knows'" in caplog.text
