from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, built from EXTRANET_BASE_URL; works outside a request
    (the worker, the CLI) where url_for has no host to use."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
