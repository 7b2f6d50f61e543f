"""The plugin-test helpers that take a field, bound to the communications field; the others are
imported from extranet.plugin_testing directly."""

from functools import partial

from extranet import plugin_testing

FIELD = "communications"
file_request = partial(plugin_testing.file_request, field=FIELD)
cast = partial(plugin_testing.cast, field=FIELD)
