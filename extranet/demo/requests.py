"""Demo requests: the demo organizations' requests since January 1 of last year, replayed
through the product's own services on the demo's clock (``extranet.demo.clock``).

Two kinds: the history (requests closed, declined or cancelled over the period, a little more
each year) and, filed in the last weeks, a request in every state of every field's workflow. An
expert takes a request before acting on it (the accounting review is by a second expert, who
does not); the member answers what they are asked; due dates follow each type (IT tickets the
response target of their priority). What each story worked, and by whom, is what the demo's
time entries are made of (``extranet.demo.hours``)."""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from extranet.contributions import RequestType, Transition
from extranet.demo.titles import CATALOG
from extranet.extensions import db
from extranet.plugins import host
from extranet.requests import service
from extranet.requests.models import ServiceRequest

OPEN, CLOSE = time(8, 30), time(17, 0)
HOLIDAYS = {(1, 1), (6, 24), (7, 1), (12, 25), (12, 26)}
# The hours worked grow by about this much a year (the cooperative's: +17 %).
GROWTH = 0.17
# The requests in every state are filed in about the last two months: the history stops there.
RECENT = timedelta(days=60)
# Days of the experts' time the recent requests share: the last two months, less what the
# history's last requests still took then.
RECENT_SHARE = 45
# Requests filed before the holidays, the winter before the story begins, taken in January.
PENDING_AT_START = 3
# Working days an expert needs on each type, and the hours that takes (ranges).
WORK_DAYS = {
    "support_ticket": (0.05, 1.5), "security_review": (8, 20), "website_project": (20, 45),
    "job_posting": (3, 10), "policy_review": (8, 22), "workplace_conflict": (8, 22),
    "contract_review": (2, 10), "bylaws_amendment": (6, 16), "general_meeting": (10, 25),
    "annual_statements": (12, 28), "budget": (5, 14), "tax_filing": (4, 12),
}
EFFORT_HOURS = {
    "support_ticket": (1, 6), "security_review": (20, 45), "website_project": (45, 100),
    "job_posting": (6, 18), "policy_review": (12, 32), "workplace_conflict": (12, 32),
    "contract_review": (5, 18), "bylaws_amendment": (9, 24), "general_meeting": (12, 30),
    "annual_statements": (30, 65), "budget": (12, 30), "tax_filing": (8, 22),
}
# Requests of the history per organization and field in a year (IT: mostly tickets): about one
# filed every two weeks, so that no month goes without work whenever the demo is loaded.
HISTORY_PER_YEAR = {"hr": 7, "legal": 6, "accounting": 7, "it": 8}
TYPE_WEIGHTS = {"support_ticket": 6, "security_review": 1, "website_project": 1}
# The small, frequent requests: filed first in the months that would otherwise go without work.
FILLER = "support_ticket"
# Days before a ticket of each priority is picked up (working days).
PICKUP = {"urgent": (0.02, 0.1), "high": (0.1, 0.5), "normal": (0.3, 1.5), "low": (1, 4)}

GREETINGS = [
    "Bonjour, je prends votre demande en charge et je vous reviens d'ici quelques jours.",
    "Bonjour, votre dossier est entre bonnes mains. Je commence par relire les documents que vous avez joints.",
    "Bonjour, merci pour les détails. Je vous propose un appel de quinze minutes pour préciser vos besoins.",
    "Bonjour, c'est noté. Je vous écris dès que j'ai une première version à vous montrer.",
]
NOTES = [
    "Dossier semblable traité l'an dernier pour une autre coopérative, réutiliser le modèle.",
    "Membre très réactive, prévoir un suivi court par téléphone.",
    "Vérifier l'entente de services avant d'engager plus de dix heures.",
    "À discuter à la réunion d'équipe de lundi.",
]
QUESTIONS = {
    "ask_member": [
        "Pouvez-vous préciser l'échéancier et les personnes à consulter\u00a0?",
        "Il me manque la version adoptée par le conseil. Pouvez-vous me la transmettre\u00a0?",
        "Avant d'aller plus loin, pouvez-vous confirmer le budget disponible\u00a0?",
    ],
    "ask_documents": [
        "Relevés bancaires de décembre\nGrand livre au 31 décembre\nContrats de prêt en vigueur",
        "Factures d'immobilisations de l'année\nListe des comptes fournisseurs",
        "Relevés de paie de l'année\nAvis de cotisation de l'an dernier",
    ],
    "request_changes": ["Revoir la note sur les immobilisations et le calcul de l'amortissement."],
    "decline": [
        "Cette demande dépasse le mandat de la coopérative. Nous vous suggérons un cabinet spécialisé.",
        "Un de nos experts a un conflit d'intérêts dans ce dossier. Nous vous dirigeons vers un partenaire.",
    ],
}
REPLIES = [
    "Voici les précisions demandées. N'hésitez pas si autre chose manque.",
    "Les documents sont maintenant dans notre espace documentaire.",
    "Le conseil a confirmé hier, vous pouvez aller de l'avant.",
]
DELIVERIES = [
    "Le livrable est prêt, vous le trouverez dans l'espace documentaire. Dites-moi si des ajustements sont nécessaires.",
    "Voici la version finale, avec mes recommandations en page 2.",
    "C'est terminé de notre côté. Je reste disponible pour la présentation au conseil.",
]
THANKS = ["Merci, c'est très clair pour nous.", "Merci beaucoup, le conseil est très satisfait.", ""]
CONFLICT_PARTIES = "La coopérative membre\nSes administrateurs\nL'autre partie au dossier"


@dataclass
class Story:
    """One request's life: who, what, and its actions in time order."""

    org: object
    rtype: RequestType
    title: str
    data: dict
    description: str
    requester: object
    expert: object
    reviewer: object
    manager: object
    path: list[Transition]
    effort_minutes: int
    actions: list[tuple[datetime, tuple]] = field(default_factory=list)
    due: datetime | None = None
    worked: tuple[datetime, datetime] | None = None  # the expert's working period
    reviewed: list[datetime] = field(default_factory=list)  # when the second expert reviewed
    finished: bool = False  # delivered: the whole effort is spent
    req: ServiceRequest | None = None


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def working_day(day: date) -> bool:
    """A weekday that is not one of Québec's holidays of a fixed date."""
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


def _opening(moment: datetime) -> datetime:
    """``moment`` if the office is open then, else the next opening (working days, 8:30 to 17:00)."""
    while True:
        if working_day(moment.date()) and OPEN <= moment.time() < CLOSE:
            return moment
        if working_day(moment.date()) and moment.time() < OPEN:
            return moment.replace(hour=OPEN.hour, minute=OPEN.minute, second=0, microsecond=0)
        moment = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def advance(moment: datetime, days: float) -> datetime:
    """``days`` working days (of 8.5 hours) after ``moment``, in office hours."""
    moment = _opening(moment)
    left = timedelta(hours=8.5 * days)
    while True:
        close = moment.replace(hour=CLOSE.hour, minute=CLOSE.minute, second=0, microsecond=0)
        if moment + left < close:
            return moment + left
        left -= close - moment
        moment = _opening(close)


def _route(workflow, target: str, rng: random.Random | None) -> list[Transition]:
    """The shortest way to ``target``; with ``rng``, sometimes with a detour through a state the
    work goes back from (a question to the member, documents, a review sending it back)."""
    paths = {workflow.initial: []}
    queue = deque([workflow.initial])
    while queue:
        state = queue.popleft()
        for transition in workflow.transitions_from(state):
            if transition.target not in paths:
                paths[transition.target] = [*paths[state], transition]
                queue.append(transition.target)
    path = paths[target]
    if rng is None:
        return path
    for index, transition in enumerate(path):
        if transition.target != "in_progress":
            continue
        for out in workflow.transitions_from("in_progress"):
            back = [t for t in workflow.transitions_from(out.target) if t.target == "in_progress" and t.slug != "reopen"]
            if back and rng.random() < 0.3:
                path = [*path[:index + 1], out, back[0], *path[index + 1:]]
        break
    return path


def _dates(rtype: RequestType, created: date, rng: random.Random) -> tuple[dict, date | None]:
    """The dates of the type's form and the request's due day, relative to its filing."""
    days = lambda low, high: timedelta(days=rng.randint(low, high))  # noqa: E731
    slug = rtype.slug
    if slug == "job_posting":
        start = created + days(35, 70)
        return {"start_date": start}, start - timedelta(days=21)
    if slug == "policy_review":
        return {"current_version_date": created - days(900, 2500)}, created + days(30, 60)
    if slug == "workplace_conflict":
        return {}, None  # by its urgency (``_story``)
    if slug == "contract_review":
        return {"due_date": created + days(10, 40)}, None  # the form's deadline sets it
    if slug in ("bylaws_amendment", "general_meeting"):
        meeting = created + days(40, 90)
        return {"meeting_date": meeting}, meeting - timedelta(days=21 if slug == "bylaws_amendment" else 14)
    if slug == "annual_statements":
        year_end = date(created.year - 1, 12, 31) if created.month > 3 else date(created.year - 1, 3, 31)
        return {"fiscal_year_end": year_end}, created + days(40, 70)
    if slug == "budget":
        board = created + days(25, 50)
        return {"budget_year": created.year + (created.month >= 9), "board_meeting": board}, board - timedelta(days=7)
    if slug == "tax_filing":
        return {"tax_year": created.year - 1}, created + days(20, 45)
    if slug == "security_review":
        last = created - days(400, 1100) if rng.random() < 0.6 else None
        return {"last_review_date": last}, created + days(30, 60)
    if slug == "website_project":
        launch = created + days(75, 150)
        return {"launch_date": launch}, launch - timedelta(days=14)
    return {}, None  # a support ticket: the response target of its priority


class Titles:
    """Each catalog entry once, in a shuffled order: no title repeats across organizations."""

    def __init__(self, rng: random.Random):
        self.left = {key: rng.sample(entries, len(entries)) for key, (_d, entries) in CATALOG.items()}
        self.numbers: dict[tuple[str, str], int] = {}

    def take(self, rtype: RequestType, alternatives: list[RequestType]) -> tuple[RequestType, str, dict, str]:
        """A title of ``rtype``, or of one of ``alternatives`` once its own are all used."""
        for candidate in (rtype, *alternatives):
            key = (candidate.field, candidate.slug)
            if self.left.get(key):
                title, data = self.left[key].pop()
                return candidate, title, dict(data), CATALOG[key][0]
        # Its titles all told (a period longer than the catalog): its name, numbered.
        key = (rtype.field, rtype.slug)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return rtype, f"{rtype.label} {self.numbers[key]}", {}, ""


def told_types() -> dict[str, list[RequestType]]:
    """The request types the demo has titles for, by field: a plugin's field it does not know
    gets no made-up requests."""
    types = {slug: [t for t in host().types_of(slug) if (slug, t.slug) in CATALOG] for slug in host().fields}
    return {slug: known for slug, known in types.items() if known}


def _actor(story: Story, transition: Transition):
    roles = set(transition.roles)
    if transition.guard is not None and "expert" in roles and "assignee" not in roles:
        return story.reviewer  # a second expert's review: by one who did not do the work
    if "requester" in roles:
        return story.requester
    if roles & {"assignee", "expert"}:
        return story.expert
    return story.manager  # a member-side step the requester may not take


def _plan(story: Story, created: datetime, rng: random.Random) -> datetime:
    """Lay out the story's actions from ``created``; returns the moment of the last one."""
    story.actions = [(created, ("create",))]
    story.worked, story.reviewed, story.finished = None, [], False
    moment, taken, started = created, False, None
    if story.requester is not story.manager and rng.random() < 0.25:
        moment += timedelta(minutes=rng.randint(2, 30))
        story.actions.append((moment, ("contacts", story.manager)))
    work = rng.uniform(*WORK_DAYS.get(story.rtype.slug, (3, 12)))
    segments = max(1, sum(1 for t in story.path if t.sources and "in_progress" in t.sources))
    for transition in story.path:
        actor = _actor(story, transition)
        if "in_progress" in transition.sources:
            gap = work / segments
        elif transition.slug in ("member_replied", "documents_received"):
            gap = rng.uniform(1, 5)
        elif transition.slug == "close":
            gap = rng.uniform(1, 8)
        elif not taken and actor is story.expert:
            low, high = PICKUP.get(story.data.get("priority"), (0.3, 2.5))
            gap = rng.uniform(low, high) if story.rtype.slug == "support_ticket" else rng.uniform(0.3, 2.5)
        elif transition.slug == "start" and story.rtype.slug == "support_ticket":
            gap = rng.uniform(0.01, 0.1)
        else:
            gap = rng.uniform(0.1, 2)
        moment = advance(moment, gap)
        if actor is story.expert and not taken:
            story.actions.append((moment, ("take",)))
            moment += timedelta(minutes=rng.randint(3, 20))
            taken = True
        if transition.slug in ("member_replied", "documents_received"):
            story.actions.append((moment, ("message", actor, rng.choice(REPLIES), False)))
            moment += timedelta(minutes=rng.randint(5, 40))
        if transition.slug == "deliver":
            story.actions.append((moment, ("message", actor, rng.choice(DELIVERIES), False)))
            moment += timedelta(minutes=rng.randint(1, 10))
        story.actions.append((moment, ("transition", transition, actor)))
        if transition.slug == "accept":
            moment += timedelta(minutes=rng.randint(5, 60))
            story.actions.append((moment, ("message", actor, rng.choice(GREETINGS), False)))
            if rng.random() < 0.5:
                moment += timedelta(minutes=rng.randint(1, 20))
                story.actions.append((moment, ("message", actor, rng.choice(NOTES), True)))
        if transition.slug == "start":
            started = moment
        if transition.slug in ("approve_review", "request_changes"):
            story.reviewed.append(moment)
        if transition.slug == "deliver":
            story.finished = True
            story.worked = (started or created, moment)
        if transition.slug == "close" and rng.random() < 0.5:
            moment += timedelta(minutes=rng.randint(1, 30))
            story.actions.append((moment, ("message", actor, rng.choice(THANKS[:2]), False)))
    if started and story.worked is None:
        story.worked = (started, moment)
    return moment


def _place(story: Story, earliest: datetime, latest: datetime, rng: random.Random) -> None:
    """Plan the story from ``earliest``, moved back as needed to end before ``latest``."""
    state = rng.getstate()
    created = _opening(earliest)
    while True:
        rng.setstate(state)  # the same story, only earlier
        end = _plan(story, created, rng)
        if end <= latest:
            return
        earlier = created - (end - latest)
        while _opening(earlier) >= created:  # not a weekend's Monday morning again
            earlier -= timedelta(hours=12)
        created = _opening(earlier)


def _story(org, rtype, alternatives, path, cast, titles: Titles, rng: random.Random) -> Story:
    """``alternatives``: types of the same workflow, should ``rtype``'s titles be all used."""
    requester = cast["manager"] if rng.random() < 0.35 else cast["member"]
    expert, reviewer = cast["experts"] if rng.random() < 0.6 else reversed(cast["experts"])
    rtype, title, data, description = titles.take(rtype, alternatives)
    low, high = EFFORT_HOURS.get(rtype.slug, (4, 12))
    return Story(
        org=org, rtype=rtype, title=title, data=data, description=description, requester=requester,
        expert=expert, reviewer=reviewer, manager=cast["manager"], path=path,
        effort_minutes=int(rng.uniform(low, high) * 4) * 15,
    )


def _dated(story: Story, rng: random.Random) -> None:
    """The form's dates and the due date, from the moment the story was placed."""
    created = story.actions[0][0]
    extra, due = _dates(story.rtype, created.date(), rng)
    story.data.update(extra)
    if story.rtype.slug == "workplace_conflict":
        due = created.date() + timedelta(days={"urgent": 3, "high": 10, "normal": 21, "low": 35}[story.data.get("priority", "normal")])
    story.due = datetime.combine(due, time(23, 59), tzinfo=created.tzinfo) if due else None


def _month(moment: datetime) -> date:
    return moment.date().replace(day=1)


def _months(first: date, last: date) -> list[date]:
    months = [first.replace(day=1)]
    while months[-1] < last.replace(day=1):
        months.append((months[-1] + timedelta(days=31)).replace(day=1))
    return months


def story_start(now: datetime) -> datetime:
    """When the demo's story begins: January 1 of last year, at the office's opening."""
    return datetime(now.astimezone(_zone()).year - 1, 1, 1, 9, 0, tzinfo=_zone())


def _filed(fraction: float, years: float) -> float:
    """When (in years from the start) ``fraction`` of the history is filed, at a pace growing by
    ``GROWTH`` a year."""
    total = years + GROWTH * years**2 / 2
    return (math.sqrt(1 + 2 * GROWTH * fraction * total) - 1) / GROWTH


def plan_stories(organizations: list, experts: list, today_moment: datetime, seed: int = 2026) -> list[Story]:
    """The stories of ``organizations`` ([(org, member, manager)]), in the demo's time zone."""
    rng = random.Random(seed)
    zone = _zone()
    now = today_moment.astimezone(zone)
    since = story_start(now)
    history_end = max(since + timedelta(days=30), now - RECENT)
    years = (history_end - since).days / 365
    titles = Titles(rng)
    stories = []
    for org, member, manager in organizations:
        cast = {"member": member, "manager": manager, "experts": experts}
        history, tickets = [], []
        for slug, types in told_types().items():
            # The history: closed mostly, a few declined or cancelled.
            count = max(2, round(HISTORY_PER_YEAR.get(slug, 5) * years))
            weights = [TYPE_WEIGHTS.get(t.slug, 3) for t in types]
            for index in range(count):
                rtype = rng.choices(types, weights)[0]
                workflow = host().workflows[rtype.workflow]
                end = rng.choices(["closed", "declined", "cancelled"], (86, 8, 6))[0]
                same = [t for t in types if t.workflow == rtype.workflow]
                story = _story(org, rtype, same, _route(workflow, end, rng), cast, titles, rng)
                if story.rtype.slug == FILLER and end == "closed":
                    tickets.append(story)
                else:
                    history.append(((index + rng.random()) / count, story))
        # Each field's requests spread over the period, and all of them filed at a steady pace,
        # growing a little; a few were filed before the holidays and wait for January.
        history.sort(key=lambda item: item[0])
        for rank, (_order, story) in enumerate(history):
            if rank < PENDING_AT_START:
                _place(story, since, now - timedelta(days=3), rng)
                _filed_before(story, since - timedelta(days=rng.uniform(6, 24)))
            else:
                fraction = (rank - PENDING_AT_START + rng.uniform(0.2, 0.8)) / (len(history) - PENDING_AT_START)
                filed = since + timedelta(days=365 * _filed(fraction, years))
                _place(story, filed, now - timedelta(days=3), rng)
            stories.append(story)
        recent = _recent(org, cast, titles, now, rng)
        _share_recent_time(recent, [s for _o, s in history], years)
        stories.extend(recent)
        stories.extend(_tickets(org, tickets, stories, cast, titles, since, now, rng))
    for story in stories:
        _dated(story, rng)
    return stories


def _filed_before(story: Story, moment: datetime) -> None:
    """The story as planned, but filed at ``moment`` (its contacts set then too)."""
    moment = _opening(moment)
    story.actions = [
        (moment + timedelta(minutes=number), action) if action[0] in ("create", "contacts") else (at, action)
        for number, (at, action) in enumerate(story.actions)
    ]


def _recent(org, cast: dict, titles: Titles, now: datetime, rng: random.Random) -> list[Story]:
    """Filed in the last weeks: one request in each state of each workflow of each field."""
    stories = []
    for types in told_types().values():
        for workflow_slug in dict.fromkeys(t.workflow for t in types):
            workflow = host().workflows[workflow_slug]
            users = [t for t in types if t.workflow == workflow_slug]
            for number, state in enumerate(s.slug for s in workflow.states):
                rtype = users[number % len(users)]
                story = _story(org, rtype, users, _route(workflow, state, None), cast, titles, rng)
                # Just filed if untouched, over in the last months if closed, worked lately else.
                if not story.path:
                    back = rng.uniform(0.2, 3)
                elif workflow.state(state).terminal:
                    back = rng.uniform(5, 60)
                else:
                    back = rng.uniform(1, 40)
                _place(story, now - timedelta(days=back), now - timedelta(hours=rng.randint(2, 60)), rng)
                stories.append(story)
    return stories


def _share_recent_time(recent: list[Story], history: list[Story], years: float) -> None:
    """The recent requests are many at once: the experts' time of the last weeks, at the
    history's pace, shared among them (the open ones have had about half of their share)."""
    worked = sum(s.effort_minutes for s in history if s.worked is not None)
    per_day = worked / (years + GROWTH * years**2 / 2) * (1 + GROWTH * years) / 365
    weights = [s.effort_minutes * (1 if s.finished else 0.5 if s.worked else 0) for s in recent]
    if not sum(weights):
        return
    scale = min(1, per_day * RECENT_SHARE / sum(weights))
    for story in recent:
        story.effort_minutes = max(30, int(story.effort_minutes * scale) // 15 * 15)


def _tickets(org, tickets: list, stories: list, cast: dict, titles: Titles, since: datetime, now: datetime,
             rng: random.Random) -> list[Story]:
    """The support tickets of the history, filed first in the months in which no other request
    of ``org`` was started (a month is never without work, hence never without a statement to
    bill), then anywhere in the period."""
    started = {_month(s.worked[0]) for s in stories if s.org is org and s.worked is not None}
    idle = [m for m in _months(since.date(), now.date())[:-1] if m not in started]
    workflow = host().workflows.get(tickets[0].rtype.workflow) if tickets else None
    while workflow is not None and len(tickets) < len(idle):
        rtype = tickets[0].rtype
        tickets.append(_story(org, rtype, [], _route(workflow, "closed", rng), cast, titles, rng))
    history_end = max(since + timedelta(days=30), now - RECENT)
    for number, story in enumerate(tickets):
        if number < len(idle):
            month = idle[number]
            earliest = datetime.combine(month + timedelta(days=rng.randint(1, 12)), time(9), tzinfo=since.tzinfo)
            latest = min(now - timedelta(days=3), datetime.combine(month + timedelta(days=26), time(17), tzinfo=since.tzinfo))
        else:
            earliest, latest = since + (history_end - since) * rng.random(), now - timedelta(days=3)
        _place(story, earliest, latest, rng)
    return tickets


def replay(stories: list[Story], clock) -> None:
    """Play every story's actions in time order, the clock showing each action's moment (the
    notifications, the references and the lists come out in the order of the days)."""
    timeline = sorted(
        ((moment, number, step, story, action)
         for number, story in enumerate(stories) for step, (moment, action) in enumerate(story.actions)),
        key=lambda item: item[:3],
    )
    for moment, _n, _s, story, action in timeline:
        with clock.at(moment):
            _act(story, action)
            db.session.flush()  # column defaults (``created_at``, ``at``) are read at the flush


def _act(story: Story, action: tuple) -> None:
    kind = action[0]
    if kind == "create":
        story.req = _create(story)
    elif kind == "contacts":
        service.set_contacts(story.req, [action[1]], actor=story.requester)
    elif kind == "take":
        service.assign(story.req, story.expert, actor=story.expert)
    elif kind == "message":
        service.post_message(story.req, action[1], action[2], internal=action[3])
    else:
        transition, actor = action[1], action[2]
        comment, details = "", {}
        if transition.slug in QUESTIONS:
            comment = QUESTIONS[transition.slug][story.req.id % len(QUESTIONS[transition.slug])]
        elif transition.form is not None and transition.slug == "check_conflicts":
            details = {"confirm": True, "parties": CONFLICT_PARTIES}
        elif transition.form is not None:
            comment = "Précisions apportées dans la conversation."
        service.apply_transition(story.req, transition, actor, comment=comment, details=details)


def _create(story: Story) -> ServiceRequest:
    form = story.rtype.form(formdata=None, meta={"csrf": False})
    form.title.data = story.title
    form.description.data = story.description
    form.restricted.data = story.rtype.confidentiality == "restricted"
    for name, value in story.data.items():
        if name in form._fields:
            form._fields[name].data = value
    req = service.create_request(story.org, story.rtype, form, story.requester)
    if req.due_at is None and story.due is not None:
        req.due_at = story.due
    return req
