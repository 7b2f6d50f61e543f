"""Full page or fragment from one URL, on top of htmx-flask: following a link or reloading gives
the whole page, an in-place update swaps only the part that changed."""

from __future__ import annotations

from flask import render_template
from htmx_flask import make_response
from htmx_flask import request as htmx_request


def wants_fragment() -> bool:
    """A non-boosted HTMX request swaps a fragment; everything else gets the whole page."""
    htmx = htmx_request.htmx
    # A history restore (Back button, no cache) needs the whole page.
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, /, status: int = 200, **context):
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str):
    """After a mutation: HX-Redirect for HTMX, a 303 for a plain form post."""
    if htmx_request.htmx:
        return make_response("", 204, redirect=url)
    return make_response("", 303, {"Location": url})
