"""Demo requests: for both demo organizations, a request in every state of every field's
workflow, walked there through real transitions, with messages and internal notes."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from sqlalchemy import delete, func, select

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.models import OutboxEmail
from extranet.plugins import host
from extranet.requests import service
from extranet.requests.models import ServiceRequest

TITLES = {
    "hr": [
        "Affichage de poste : coordonnatrice des bénévoles",
        "Révision de la politique de télétravail",
        "Tensions dans l'équipe de production",
        "Mise à jour du manuel de l'employé",
        "Grille salariale 2027",
    ],
    "legal": [
        "Révision du bail commercial avec Immeubles Rive-Sud",
        "Modification des règlements généraux (article 12)",
        "Préparation de l'assemblée générale annuelle",
        "Entente de partenariat avec la municipalité",
        "Contrat de service avec un fournisseur informatique",
    ],
    "accounting": [
        "États financiers de l'exercice 2025",
        "Budget de fonctionnement 2027",
        "Déclaration de revenus de la coopérative",
        "Ristournes aux membres : calcul et traitement fiscal",
        "Mission d'examen pour le bailleur de fonds",
    ],
    "it": [
        "Le serveur de fichiers ne répond plus",
        "Revue de sécurité du site transactionnel",
        "Refonte du site Web de la coopérative",
        "Migration des courriels vers un nouveau fournisseur",
        "Sauvegardes du poste de la comptabilité",
    ],
}

MEMBER_LINES = [
    "Bonjour, vous trouverez les détails dans la description. Merci de votre aide !",
    "Voici les précisions demandées. N'hésitez pas si autre chose manque.",
    "Merci, c'est très clair pour nous.",
]
EXPERT_LINES = [
    "Bonjour, je prends votre demande en charge et je reviens vers vous rapidement.",
    "J'ai besoin de la dernière version du document pour avancer.",
    "Le livrable est prêt : vous le trouverez ci-dessous. Dites-moi si des ajustements sont nécessaires.",
]
INTERNAL_NOTE = "Note interne : dossier semblable traité l'an dernier, réutiliser le modèle."


def _paths(workflow) -> dict[str, list]:
    """The shortest sequence of transitions from the initial state to each state."""
    paths = {workflow.initial: []}
    queue = deque([workflow.initial])
    while queue:
        state = queue.popleft()
        for transition in workflow.transitions_from(state):
            if transition.target not in paths:
                paths[transition.target] = [*paths[state], transition]
                queue.append(transition.target)
    return paths


def _one_per_state(field: str) -> list:
    """(request type, path) pairs reaching every state of every workflow the field uses."""
    pairs = []
    types = host().types_of(field)
    for workflow_slug in dict.fromkeys(t.workflow for t in types):
        users = [t for t in types if t.workflow == workflow_slug]
        paths = _paths(host().workflows[workflow_slug])
        pairs += [(users[i % len(users)], path) for i, path in enumerate(paths.values())]
    return pairs


def _actor(transition, req, people):
    roles = set(transition.roles)
    if "requester" in roles:
        return req.requester
    if roles & {"manager", "contact", "member"}:
        return people["manager"]
    for expert in people["experts"]:
        if transition.guard is None or transition.guard(req, expert) is None:
            if "assignee" in roles and not ({"expert", "admin"} & roles) and expert not in req.assignees:
                service.assign(req, expert, actor=expert)
            return expert
    return people["admin"]


def _stamp(req, moment) -> None:
    """Move what was just recorded to the demo's simulated clock."""
    db.session.flush()
    for event in req.events:
        if event.at > moment:
            event.at = moment
    for message in req.messages:
        if message.created_at > moment:
            message.created_at = moment


def load_demo_requests(organizations: list, people: dict) -> int:
    """``organizations``: [(org, requester, manager)]. Returns how many requests were made."""
    started = utcnow()
    made = 0
    for org, requester, manager in organizations:
        already = db.session.scalar(select(func.count(ServiceRequest.id)).where(ServiceRequest.organization_id == org.id))
        if already:
            continue  # idempotent: an organization keeps the demo requests it has
        cast = {**people, "manager": manager}
        for field_index, field in enumerate(host().fields.values()):
            titles = TITLES.get(field.slug) or [str(t.label) for t in host().types_of(field.slug)]
            for index, (rtype, path) in enumerate(_one_per_state(field.slug)):
                clock = started - timedelta(days=120 - 7 * index - field_index, hours=3 * field_index)
                req = _create(org, rtype, titles[index % len(titles)], requester, clock)
                for step, transition in enumerate(path, start=1):
                    actor = _actor(transition, req, cast)
                    service.apply_transition(req, transition, actor, comment=_comment(transition))
                    clock += timedelta(days=1, hours=step)
                    if step == 1:
                        service.post_message(req, actor, EXPERT_LINES[0], internal=False)
                        if actor.is_staff:
                            service.post_message(req, actor, INTERNAL_NOTE, internal=True)
                        service.post_message(req, requester, MEMBER_LINES[index % 3], internal=False)
                    _stamp(req, clock)
                req.state_changed_at = req.updated_at = min(clock, started)
                made += 1
    db.session.flush()
    # Demo data tells its story in the app; it sends no e-mail to the demo addresses.
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.created_at >= started))
    return made


def _comment(transition) -> str:
    if transition.form is None:
        return ""
    return "Motif indiqué pour la démonstration."


def _create(org, rtype, title, requester, moment) -> ServiceRequest:
    form = rtype.form(formdata=None, meta={"csrf": False})
    form.title.data = title
    form.description.data = f"{title}. Demande créée pour la démonstration de l'extranet."
    form.restricted.data = rtype.confidentiality == "restricted"
    req = service.create_request(org, rtype, form, requester)
    req.created_at = moment
    for event in req.events:
        event.at = moment
    return req
