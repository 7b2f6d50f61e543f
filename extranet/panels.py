"""Page panels: the slots of the request page, the dashboard, an organization's page and a
document space, which enabled modules fill through ``extranet_page_panels``.

Who sees which panel is decided here, once for every plugin, so that a plugin cannot show more
than the page it sits on: the hook is asked only after the viewer passed the page's own action
on its target; a field plugin is asked only about its own field's requests and spaces, and
about organizations subscribed to it; on the dashboard, only about the fields the viewer uses
there (its own as staff, its organization's as a member); a panel with an ``action`` is shown only to a viewer who
passes it too. Each panel's route checks the policy again, as every route does.
"""

from __future__ import annotations

from extranet.contributions import Panel
from extranet.plugins import host
from extranet.policy import can

# page → the action that lets one see the page's target at all
PAGES = {"request": "request.view", "dashboard": "dashboard.view", "organization": "organization.view",
         "documents": "documents.space"}
# pages whose target may be None: the dashboard of staff without an organization
OPTIONAL_TARGET = {"dashboard"}


def _field_of(page: str, target) -> str | None:
    if page == "request":
        return target.field
    if page == "documents":
        return target[1]
    return None


def _other_fields(page: str, user, target) -> set[str]:
    """The field plugins not to ask about this target."""
    plugins = host()
    if page == "dashboard":
        # The fields the viewer uses there (as ``field.use`` says, with the dashboard's target
        # as the organization): all for admins, an expert's own, the organization's.
        if user.is_admin:
            return set()
        used = set(user.field_slugs) | (target.subscribed_fields if target is not None else set())
        return set(plugins.fields) - used
    field = _field_of(page, target)
    if field is not None:
        return set(plugins.fields) - {field}
    subscribed = {s.field for s in target.subscriptions if s.active}
    return set(plugins.fields) - subscribed


def page_panels(page: str, user, target) -> list[Panel]:
    """The panels ``user`` sees in the slot of ``page`` about ``target``, in order."""
    if page not in PAGES:
        raise KeyError(page)
    if (target is None and page not in OPTIONAL_TARGET) or not can(user, PAGES[page], target):
        return []
    plugins = host()
    skipped = {p for slug in _other_fields(page, user, target) if (p := plugins.pm.get_plugin(slug)) is not None}
    caller = plugins.pm.subset_hook_caller("extranet_page_panels", remove_plugins=[
        *skipped, *(p for slug, on in plugins.module_states().items() if not on
                    if (p := plugins.pm.get_plugin(slug)) is not None)])
    found = [panel for panels in caller(page=page, user=user, target=target) for panel in (panels or [])]
    return sorted((p for p in found if p.action is None or can(user, p.action, target)),
                  key=lambda p: (p.order, p.slug))
