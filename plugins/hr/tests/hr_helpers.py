"""The shared plugin-test helpers (extranet.plugin_testing), bound to the HR field."""

from functools import partial

from extranet import plugin_testing
from extranet.plugin_testing import (  # noqa: F401  (re-exported for this plugin's tests)
    MATRIX_ROLES,
    assert_reference,
    check_catalog,
    check_transition,
    count_requests,
    load,
    make_expert,
    make_member,
    reference_of,
    set_state,
    speak_french,
    take,
    token,
)

FIELD = "hr"
file_request = partial(plugin_testing.file_request, field=FIELD)
cast = partial(plugin_testing.cast, field=FIELD)
