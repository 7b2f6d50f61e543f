"""What the legal suite sets up besides the fixtures of the core's pytest plugin
(``app``, ``people``, ``client_for``...): its pages are read in French."""

import pytest

from extranet.plugin_testing import speak_french


@pytest.fixture
def people(people, app):
    """The pages are checked in French: everyone here speaks it, the product's default."""
    return speak_french(app, people)
