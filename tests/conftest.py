# Fixtures come from the extranet.testing pytest plugin (the core's pytest11 entry point), so
# that plugin test suites get the same ones. The few below concern the core's own tests only:
# a real clamd, and the sample field's fixtures that the hours, agreement, roll-up, satisfaction
# and plugin tests share; a module that needs another application defines its own of the same
# name.

import pytest

from tests.clamd import clamd_binary, start_clamd
from tests.sample_plugin import SamplePlugin
from tests.test_hours import setup_world


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd for the whole session (tests/clamd.py); skipped where it is not installed."""
    binary = clamd_binary()
    if binary is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon): the real virus-scan tests need it")
    server = start_clamd(binary, tmp_path_factory.mktemp("clamd"))
    yield server
    server.stop()


@pytest.fixture
def sample():
    """The sample plugin object, for a test that reads what its hooks were told."""
    return SamplePlugin()


@pytest.fixture
def hours_app(register_plugin, sample):
    """An application with the sample field, on which time is logged."""
    return register_plugin(sample)


@pytest.fixture
def world(hours_app, people):
    """Both organizations subscribe to the sample field, served by two experts."""
    return setup_world(hours_app, people)
