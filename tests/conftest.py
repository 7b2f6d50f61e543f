# Fixtures come from the extranet.testing pytest plugin (see pyproject's addopts), so that
# plugin test suites get the same ones.
