# Fixtures come from the extranet.testing pytest plugin (the core's pytest11 entry point), so
# that plugin test suites get the same ones. The few below concern the core's own tests only.

import pytest

from tests.clamd import clamd_binary, start_clamd


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd for the whole session (tests/clamd.py); skipped where it is not installed."""
    binary = clamd_binary()
    if binary is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon): the real virus-scan tests need it")
    server = start_clamd(binary, tmp_path_factory.mktemp("clamd"))
    yield server
    server.stop()
