# Fixtures come from the extranet.testing pytest plugin (the core's pytest11 entry point), so
# that plugin test suites get the same ones.
