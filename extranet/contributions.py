"""Dataclasses that plugins return from their hooks (re-exported by ``extranet.api``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from flask_babel import get_locale
from flask_wtf import FlaskForm


class Bilingual:
    """A text an admin typed in French and English (a stored field's name, a question's
    label), shown in the reader's language as a lazy string is; French outside a request."""

    __slots__ = ("en", "fr")

    def __init__(self, fr: str, en: str):
        self.fr, self.en = fr or en or "", en or fr or ""

    def __str__(self) -> str:
        try:
            locale = get_locale()
        except RuntimeError:  # no application: the cooperative's language
            locale = None
        return self.en if locale is not None and locale.language == "en" else self.fr

    def __len__(self) -> int:
        return len(str(self))

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash((self.fr, self.en))

    def __repr__(self) -> str:
        return f"Bilingual({self.fr!r}, {self.en!r})"


@dataclass(frozen=True)
class ExpertiseField:
    """An expertise field (not a form field: WTForms has its own ``Field``). ``slug`` is the plugin's name everywhere (entry point, blueprint,
    template folder, migration branch, module key)."""

    slug: str
    label: Any  # a lazy string, translated when shown
    description: Any = ""
    icon: str = "folder"
    colour: str = "#35607a"
    order: int = 100
    settings_form: type[FlaskForm] | None = None
    prefix: str = ""  # of request references, e.g. "RH" gives RH-2026-0042
    stored: bool = False  # created by an admin in the browser, not by a plugin

    @property
    def reference_prefix(self) -> str:
        return self.prefix or self.slug.upper()


@dataclass(frozen=True)
class Widget:
    """A dashboard panel, loaded lazily from ``url`` (an HTML fragment)."""

    slug: str
    title: Any
    url: str
    order: int = 100
    wide: bool = False  # the dashboard's whole width (a table of figures), not one column


@dataclass(frozen=True)
class Panel:
    """A panel of a page's slot (see ``extranet.panels.PAGES``), loaded lazily from ``url`` (an
    HTML fragment whose route checks the policy again). ``action``, when given, is a policy
    action the viewer must also pass on the page's target for the panel to be shown. A panel
    not ``framed`` gets no card nor heading from the page: its fragment, which brings its own
    (several cards, or one whose forms swap it), replaces the placeholder. ``content``, when
    given, renders that fragment with the page instead (what ``url`` answers): the panel is
    read without JavaScript, and its forms still update it in place through ``url``'s routes."""

    slug: str
    title: Any
    url: str
    order: int = 100
    action: str | None = None
    framed: bool = True  # False: the fragment brings its own cards and replaces the placeholder
    content: Callable[[], Any] | None = None  # the fragment's HTML, rendered with the page


@dataclass(frozen=True)
class Rule:
    """A permission rule of the policy: ``check(user, target)`` says whether a signed-in, active
    ``user`` may do ``action`` (on ``target``). A plugin's actions are named ``<slug>.<what>``."""

    action: str
    check: Callable[[Any, Any], bool]


ROLES = ("requester", "contact", "member", "manager", "expert", "assignee", "admin")


@dataclass(frozen=True)
class State:
    """A request state. ``waiting_on`` says whose turn it is: "expert", "member" or "nobody".
    ``reached`` is the sentence that confirms a move into it, with ``%(ref)s`` for the
    reference (« La demande %(ref)s est livrée. »); without it a generic sentence names the
    state's label."""

    slug: str
    label: Any
    terminal: bool = False
    waiting_on: str = "expert"
    reached: Any = None


@dataclass(frozen=True)
class Transition:
    """A move between states, allowed to people holding one of ``roles`` on the request
    (see ``ROLES``). ``form`` collects what the move needs (a reason, a checklist); ``guard``
    is called as ``guard(request, user)`` and returns a reason to refuse, or None.
    ``done`` confirms the move when the target state's ``reached`` sentence would not say it
    well (a member's answer sent). ``staff_label`` names a move that is the member's own
    (« J'ai répondu ») when the cooperative's staff make it for them, so that an expert is never
    offered a button in the member's voice."""

    slug: str
    label: Any
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    form: type[FlaskForm] | None = None
    guard: Callable[[Any, Any], Any] | None = None
    danger: bool = False
    done: Any = None
    staff_label: Any = None


@dataclass(frozen=True)
class Workflow:
    slug: str
    label: Any
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def state(self, slug: str) -> State | None:
        return next((s for s in self.states if s.slug == slug), None)

    def transition(self, slug: str) -> Transition | None:
        return next((t for t in self.transitions if t.slug == slug), None)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def derive(
        self,
        slug: str,
        label: Any,
        states: tuple[State, ...] = (),
        transitions: tuple[Transition, ...] = (),
        replace_transitions: dict[str, Transition] | None = None,
    ) -> Workflow:
        """A new workflow from this one: added states and transitions, some replaced."""
        replaced = replace_transitions or {}
        kept = tuple(replaced.get(t.slug, t) for t in self.transitions)
        return replace(
            self, slug=slug, label=label, states=self.states + states, transitions=kept + transitions
        )


@dataclass(frozen=True)
class RequestType:
    """A kind of request of a field, with its own form. Form fields named ``priority`` or
    ``due_date`` also set the request's priority and due date; ``response_targets`` maps a
    priority to the working time the cooperative commits to answer in: the default first-response
    target, until an admin sets the type's targets (Administration → Service targets)."""

    field: str
    slug: str
    label: Any
    form: type[FlaskForm]
    workflow: str = "standard"
    confidentiality: str = "standard"
    description: Any = ""
    template: str | None = None
    order: int = 100
    response_targets: dict[str, timedelta] = field(default_factory=dict)
    priority: str = "normal"  # given to a request whose form does not choose one
    # ``answer_labels(data)`` gives ``{name: (label, {choice: label})}`` for a request's stored
    # answers, when they are labelled by what they were filed with rather than by ``form``.
    answer_labels: Callable[[dict], dict] | None = None
    stored: bool = False  # created by an admin in the browser, not by a plugin


@dataclass(frozen=True)
class DocumentCategory:
    """A kind of document of a field (payslips, contracts…), chosen at upload. ``allowed_types``
    lists the MIME types it accepts (``"image/*"`` for a family; empty: any accepted type);
    ``max_size`` (bytes) lowers the upload limit for it."""

    field: str
    slug: str
    label: Any
    allowed_types: tuple[str, ...] = ()
    max_size: int | None = None

    def accepts(self, mime: str) -> bool:
        if not self.allowed_types:
            return True
        base = mime.split(";", 1)[0].strip().lower()
        family = base.split("/", 1)[0] + "/*"
        return base in self.allowed_types or family in self.allowed_types


@dataclass(frozen=True)
class PluginModule:
    """A module that is not an expertise field (an integration, a report): listed, toggled and
    set up under Administration → Modules like a field, with no requests of its own."""

    slug: str
    label: Any
    description: Any = ""
    order: int = 100
    settings_form: type[FlaskForm] | None = None
    stored: bool = False  # never created in the browser: the modules page reads it as a field's


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification a plugin sends about a request, named ``<slug>_<what>`` (at most
    40 characters). ``label`` is its line on each person's e-mail preferences; ``sentence`` is
    what the notification says, with ``%(ref)s``, ``%(title)s``, ``%(actor)s`` and the
    parameters given to ``notify_request``; ``email_template`` names the plugin's own plain-text
    template for its e-mail (``<slug>/emails/<what>.txt``), else the core's is used."""

    kind: str
    label: Any
    sentence: Any
    email_template: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """An event admins may subscribe webhooks to. A plugin's events are named ``<slug>.<what>``;
    the core's are ``request.created``, ``request.transitioned``, ``message.posted``,
    ``document.uploaded``, ``time.logged`` and ``statement.closed``."""

    name: str
    label: Any
