"""The consortium's sixteen fields beyond the four plugins, created as an admin would create
them in the browser (stored fields), each with one or two request types and their forms."""

from __future__ import annotations

from extranet.stored_fields import service


def _q(name, kind, fr, en, required=False, **more) -> dict:
    return {"name": name, "kind": kind, "label_fr": fr, "label_en": en, "required": required,
            "help_fr": "", "help_en": "", **more}


def _choices(*items) -> list[dict]:
    return [{"value": v, "label_fr": fr, "label_en": en} for v, fr, en in items]


DEADLINE = _q("deadline", "date", "Échéance souhaitée", "Desired deadline")
BUDGET = _q("budget", "amount", "Budget prévu", "Planned budget", min=0, max=1_000_000)
DOCUMENT = _q("document", "file", "Document utile", "Useful document", file_types="pdf, docx, xlsx, odt")
EMPLOYEES = _q("employees", "number", "Nombre d'employés", "Number of employees", min=0, max=100_000)

# The cooperative's commitments: hours from filing to an answer, per priority.
RESPONSE_HOURS = {"urgent": 8, "high": 48, "normal": 120, "low": 240}

# Types that use one of the core's other workflows (the rest use the standard one): a financing
# plan is reviewed by a second expert before delivery, a building project checked before it is
# accepted.
WORKFLOWS = {("financing", "financing_plan"): "second_review", ("realestate", "building"): "acceptance_check"}

# (slug, French, English, prefix, description FR, description EN, order, confidentiality,
#  [(type slug, French, English, priority, questions)])
FIELDS = [
    ("communications", "Communications et marketing", "Communications and marketing", "COM",
     "Plans de communication, campagnes, image de marque et médias sociaux.",
     "Communication plans, campaigns, branding and social media.", 50, "standard", [
         ("campaign", "Campagne", "Campaign", "normal", [
             _q("audience", "short_text", "Public visé", "Target audience", True, max=200),
             _q("channels", "choices", "Canaux", "Channels", True, choices=_choices(
                 ("web", "Site Web", "Website"), ("social", "Médias sociaux", "Social media"),
                 ("print", "Imprimé", "Print"), ("radio", "Radio", "Radio"))),
             BUDGET, DEADLINE]),
         ("plan", "Plan de communication", "Communication plan", "normal", [
             _q("goals", "long_text", "Objectifs", "Goals", True, max=5000), DOCUMENT]),
     ]),
    ("governance", "Gouvernance et vie associative", "Governance and member relations", "GOV",
     "Assemblées, conseils d'administration, règlements et participation des membres.",
     "General meetings, boards, by-laws and member participation.", 55, "standard", [
         ("meeting", "Assemblée générale", "General meeting", "normal", [
             _q("meeting_date", "date", "Date de l'assemblée", "Date of the meeting", True),
             _q("members", "number", "Membres attendus", "Members expected", min=1, max=100_000)]),
         ("bylaws", "Révision des règlements", "By-law review", "normal", [DOCUMENT]),
     ]),
    ("financing", "Financement et montage financier", "Financing", "FIN",
     "Montages financiers, prêts, capitalisation et prévisions.",
     "Financing plans, loans, capitalisation and forecasts.", 60, "standard", [
         ("financing_plan", "Montage financier", "Financing plan", "normal", [
             _q("amount", "amount", "Montant recherché", "Amount sought", True, min=0, max=100_000_000),
             _q("sources", "choices", "Sources envisagées", "Sources considered", choices=_choices(
                 ("loan", "Prêt", "Loan"), ("grant", "Subvention", "Grant"), ("shares", "Parts privilégiées", "Preferred shares"))),
             DOCUMENT]),
     ]),
    ("payroll", "Paie", "Payroll", "PAI", "Traitement de la paie, relevés et remises.",
     "Payroll processing, slips and remittances.", 65, "restricted", [
         ("payroll_question", "Question de paie", "Payroll question", "normal", [
             EMPLOYEES, _q("period", "short_text", "Période visée", "Pay period concerned", True, max=100)]),
         ("year_end", "Relevés de fin d'année", "Year-end slips", "high", [EMPLOYEES, DEADLINE]),
     ]),
    ("tax", "Fiscalité", "Tax", "FIS", "Impôts, taxes de vente et crédits d'impôt.",
     "Income tax, sales taxes and tax credits.", 70, "standard", [
         ("tax_question", "Question fiscale", "Tax question", "normal", [
             _q("tax_kind", "choice", "Type d'impôt", "Kind of tax", True, choices=_choices(
                 ("income", "Impôt sur le revenu", "Income tax"), ("sales", "TPS/TVQ", "GST/QST"),
                 ("credit", "Crédit d'impôt", "Tax credit"))),
             DEADLINE]),
     ]),
    ("strategy", "Planification stratégique", "Strategic planning", "STR",
     "Démarches de planification, diagnostics et plans d'action.",
     "Planning processes, assessments and action plans.", 75, "standard", [
         ("strategic_plan", "Plan stratégique", "Strategic plan", "normal", [
             _q("horizon", "number", "Horizon (années)", "Horizon (years)", True, min=1, max=10),
             _q("board_involved", "yes_no", "Le conseil participe-t-il?", "Is the board taking part?", True)]),
     ]),
    ("training", "Formation", "Training", "FOR", "Formations sur mesure pour les équipes et les conseils.",
     "Custom training for teams and boards.", 80, "standard", [
         ("session", "Séance de formation", "Training session", "normal", [
             _q("topic", "short_text", "Sujet", "Topic", True, max=200),
             _q("participants", "number", "Participants", "Participants", True, min=1, max=500), DEADLINE]),
     ]),
    ("startup", "Démarrage d'entreprises collectives", "Collective-enterprise start-up", "DEM",
     "Accompagnement des projets de coopératives et d'OBNL en démarrage.",
     "Support for co-operatives and non-profits being founded.", 85, "standard", [
         ("project", "Projet de démarrage", "Start-up project", "normal", [
             _q("legal_form", "choice", "Forme envisagée", "Legal form considered", True, choices=_choices(
                 ("coop_work", "Coopérative de travail", "Worker co-operative"),
                 ("coop_solidarity", "Coopérative de solidarité", "Solidarity co-operative"),
                 ("nonprofit", "OBNL", "Non-profit"))),
             _q("founders", "number", "Fondateurs", "Founders", min=1, max=1000), DOCUMENT]),
     ]),
    ("projects", "Gestion de projets", "Project management", "PRO", "Planification et suivi de projets.",
     "Project planning and follow-up.", 90, "standard", [
         ("project_support", "Accompagnement de projet", "Project support", "normal", [
             _q("project_name", "short_text", "Nom du projet", "Project name", True, max=200), BUDGET, DEADLINE]),
     ]),
    ("realestate", "Immobilier", "Real estate", "IMM", "Acquisition, rénovation et gestion d'immeubles.",
     "Buying, renovating and managing buildings.", 95, "standard", [
         ("building", "Projet immobilier", "Building project", "normal", [
             _q("address", "short_text", "Adresse", "Address", True, max=300), BUDGET, DOCUMENT]),
     ]),
    ("insurance", "Assurances collectives", "Group insurance", "ASS", "Régimes d'assurance collective et renouvellements.",
     "Group insurance plans and renewals.", 100, "restricted", [
         ("renewal", "Renouvellement", "Renewal", "normal", [
             _q("renewal_date", "date", "Date de renouvellement", "Renewal date", True), EMPLOYEES, DOCUMENT]),
     ]),
    ("ohs", "Santé et sécurité du travail", "Occupational health and safety", "SST",
     "Prévention, programmes de SST et déclarations d'accident.",
     "Prevention, health and safety programs and accident reports.", 105, "restricted", [
         ("prevention", "Programme de prévention", "Prevention program", "normal", [EMPLOYEES, DOCUMENT]),
         ("incident", "Accident ou incident", "Accident or incident", "urgent", [
             _q("incident_date", "date", "Date de l'événement", "Date of the event", True),
             _q("lost_time", "yes_no", "Y a-t-il arrêt de travail?", "Is there time lost?", True)]),
     ]),
    ("sustainability", "Développement durable", "Sustainability", "DD", "Bilans carbone, politiques et certifications.",
     "Carbon footprints, policies and certifications.", 110, "standard", [
         ("assessment", "Bilan", "Assessment", "low", [
             _q("scope", "long_text", "Portée du bilan", "Scope of the assessment", True, max=3000)]),
     ]),
    ("translation", "Rédaction et traduction", "Writing and translation", "RED", "Rédaction, révision et traduction.",
     "Writing, editing and translation.", 115, "standard", [
         ("translation", "Traduction", "Translation", "normal", [
             _q("direction", "choice", "Sens", "Direction", True, choices=_choices(
                 ("fr_en", "Français vers anglais", "French to English"),
                 ("en_fr", "Anglais vers français", "English to French"))),
             _q("words", "number", "Nombre de mots", "Word count", min=1, max=1_000_000),
             _q("source", "file", "Texte à traduire", "Text to translate", True, file_types="docx, odt, pdf, txt"),
             DEADLINE]),
         ("editing", "Révision", "Editing", "low", [DOCUMENT, DEADLINE]),
     ]),
    ("research", "Recherche et analyse", "Research and analysis", "REC", "Études de marché, sondages et analyses.",
     "Market studies, surveys and analyses.", 120, "standard", [
         ("study", "Étude", "Study", "normal", [
             _q("question", "long_text", "Question de recherche", "Research question", True, max=3000), BUDGET]),
     ]),
    ("grants", "Subventions et programmes", "Grants and programs", "SUB",
     "Repérage de programmes et rédaction de demandes de subvention.",
     "Finding programs and writing grant applications.", 125, "standard", [
         ("application", "Demande de subvention", "Grant application", "high", [
             _q("program", "short_text", "Programme visé", "Program", True, max=200),
             _q("amount", "amount", "Montant demandé", "Amount requested", True, min=0, max=10_000_000),
             _q("contact_email", "email", "Courriel du responsable", "E-mail of the person in charge"),
             _q("contact_phone", "phone", "Téléphone", "Phone"), DEADLINE]),
     ]),
]


def load_demo_fields(existing: set[str]) -> None:
    """Create the fields that are not there yet (an admin's later edits are kept); ``existing``
    are the slugs the registry serves already (the plugins', should one use a slug above)."""
    for slug, fr, en, prefix, desc_fr, desc_en, order, confidentiality, types in FIELDS:
        if slug in existing or service.field_by_slug(slug):
            continue
        field = service.create_field(slug, name_fr=fr, name_en=en, description_fr=desc_fr, description_en=desc_en,
                                     prefix=prefix, colour="#35607a", icon="folder", order=order,
                                     confidentiality=confidentiality)
        for index, (type_slug, type_fr, type_en, priority, questions) in enumerate(types):
            rtype = service.save_type(field, None, type_slug, name_fr=type_fr, name_en=type_en, description_fr="",
                                      description_en="", workflow=WORKFLOWS.get((slug, type_slug), "standard"), priority=priority, order=10 * (index + 1),
                                      response_hours=RESPONSE_HOURS)
            service.save_questions(rtype, questions)
            rtype.form_versions = rtype.form_versions[-1:]  # born with its form: one version
