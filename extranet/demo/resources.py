"""Demo resource libraries: a few guides, templates, model documents and checklists per field,
in French (one in English), each with a small generated file (PDF or plain text) in storage.

Idempotent: a field keeps the demo resources it has (matched by title); only missing ones are
added. Publication dates are spread over the last months, some recent enough to show as new.
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from extranet.db_types import utcnow
from extranet.demo.pdf import FONT, pdf_file, pdf_string
from extranet.documents.models import Document, DocumentVersion
from extranet.extensions import db
from extranet.plugins import host
from extranet.resources.models import Resource
from extranet.storage import get_storage

# field slug: [(title, summary, language, category, days since publication, file name, lines)]
LIBRARIES = {
    "hr": [
        ("Modèle de politique de télétravail",
         "Une politique prête à adapter : admissibilité, horaires, équipement, santé et sécurité, "
         "protection des renseignements.", "fr", "model", 5, "politique-teletravail.pdf",
         ["Politique de télétravail", "1. Objet et portée", "2. Admissibilité et demande",
          "3. Horaires et disponibilité", "4. Équipement et frais", "5. Santé et sécurité au travail",
          "6. Confidentialité des renseignements"]),
        ("Guide d'accueil d'un nouvel employé",
         "Les étapes de l'intégration, de l'offre d'emploi à la fin de la période de probation.",
         "fr", "guide", 45, "guide-accueil.pdf",
         ["Guide d'accueil", "Avant l'arrivée : contrat, poste de travail, accès",
          "Première semaine : présentation de la coopérative et de l'équipe",
          "Trois mois : rencontre de suivi et fin de la probation"]),
        ("Liste de contrôle : fin d'emploi",
         "Ce qu'il ne faut pas oublier au départ d'une personne salariée.", "fr", "checklist", 80,
         "fin-emploi.txt",
         ["[ ] Avis écrit et préavis selon la Loi sur les normes du travail",
          "[ ] Relevé d'emploi transmis dans les délais", "[ ] Paie finale et vacances dues",
          "[ ] Retour du matériel et fermeture des accès"]),
        ("Remote work policy template",
         "The English version of our remote work policy template.", "en", "template", 12,
         "remote-work-policy.pdf",
         ["Remote work policy", "1. Purpose and scope", "2. Eligibility", "3. Hours and availability",
          "4. Equipment and expenses"]),
    ],
    "legal": [
        ("Guide de l'assemblée générale annuelle",
         "Convocation, quorum, ordre du jour, élections et procès-verbal : tout pour une assemblée "
         "conforme à la Loi sur les coopératives.", "fr", "guide", 3, "guide-assemblee-generale.pdf",
         ["Guide de l'assemblée générale annuelle", "1. Avis de convocation (délais et contenu)",
          "2. Quorum et vérification des présences", "3. Ordre du jour type",
          "4. Élections au conseil d'administration", "5. Procès-verbal et suivi"]),
        ("Modèle de procès-verbal de réunion du conseil",
         "Un gabarit de procès-verbal avec les mentions obligatoires.", "fr", "template", 30,
         "proces-verbal-conseil.txt",
         ["PROCÈS-VERBAL de la réunion du conseil d'administration", "Date, heure et lieu :",
          "Présences et quorum :", "1. Adoption de l'ordre du jour", "2. Adoption du procès-verbal précédent",
          "3. Résolutions", "Levée de la réunion :"]),
        ("Liste de contrôle : conformité annuelle",
         "Déclarations et registres à tenir à jour chaque année.", "fr", "checklist", 60,
         "conformite-annuelle.txt",
         ["[ ] Déclaration de mise à jour annuelle au Registraire des entreprises",
          "[ ] Rapport annuel transmis au ministère", "[ ] Registre des membres à jour",
          "[ ] Règlements de régie interne révisés"]),
        ("Annual general meeting guide",
         "Notice, quorum, agenda and minutes for a cooperative's annual meeting.", "en", "guide", 20,
         "agm-guide.pdf",
         ["Annual general meeting guide", "1. Notice of meeting", "2. Quorum", "3. Agenda", "4. Minutes"]),
    ],
    "accounting": [
        ("Calendrier fiscal des coopératives",
         "Les échéances de l'année : acomptes provisionnels, déclarations de revenus, TPS/TVQ, "
         "ristournes et relevés.", "fr", "guide", 8, "calendrier-fiscal.pdf",
         ["Calendrier fiscal des coopératives", "Février : T4 et Relevé 1",
          "Tous les trimestres : acomptes provisionnels", "Six mois après la fin d'exercice : T2 et CO-17",
          "Après l'assemblée : versement des ristournes et relevés"]),
        ("Gabarit de budget annuel",
         "Un budget par poste, à présenter au conseil d'administration.", "fr", "template", 50,
         "gabarit-budget.txt",
         ["Poste;Budget;Réel;Écart", "Ventes;;;", "Salaires et charges sociales;;;", "Loyer;;;",
          "Honoraires professionnels;;;"]),
        ("Liste de contrôle : fin d'exercice",
         "Les pièces à préparer avant la mission d'examen ou d'audit.", "fr", "checklist", 95,
         "fin-exercice.txt",
         ["[ ] Conciliations bancaires au dernier jour de l'exercice", "[ ] Inventaire compté et évalué",
          "[ ] Liste des comptes clients et fournisseurs", "[ ] Contrats et baux signés dans l'année"]),
        ("Year-end checklist",
         "What to prepare before the review or audit engagement.", "en", "checklist", 25,
         "year-end-checklist.txt",
         ["[ ] Bank reconciliations", "[ ] Inventory count", "[ ] Receivables and payables listings"]),
    ],
    "it": [
        ("Liste de contrôle de cybersécurité",
         "Vingt vérifications simples pour protéger les postes, les comptes et les données de "
         "votre organisation.", "fr", "checklist", 2, "cybersecurite.txt",
         ["[ ] Authentification à deux facteurs sur les courriels et les services infonuagiques",
          "[ ] Mises à jour automatiques des postes et des téléphones",
          "[ ] Sauvegardes hors site, testées chaque trimestre",
          "[ ] Gestionnaire de mots de passe pour l'équipe",
          "[ ] Formation annuelle à l'hameçonnage"]),
        ("Guide de sauvegarde des données",
         "La règle 3-2-1 expliquée, et comment vérifier qu'une sauvegarde se restaure.", "fr", "guide",
         40, "guide-sauvegarde.pdf",
         ["Guide de sauvegarde des données", "La règle 3-2-1 : trois copies, deux supports, une hors site",
          "Que sauvegarder ?", "Tester la restauration chaque trimestre"]),
        ("Modèle de politique d'utilisation des outils informatiques",
         "Un modèle à adopter par le conseil : usages permis, sécurité, confidentialité.", "fr", "model",
         70, "politique-ti.pdf",
         ["Politique d'utilisation des outils informatiques", "1. Usages permis",
          "2. Mots de passe et authentification", "3. Appareils personnels", "4. Signalement des incidents"]),
        ("Cybersecurity checklist",
         "Simple checks to protect your organization's computers, accounts and data.", "en", "checklist",
         15, "cybersecurity-checklist.txt",
         ["[ ] Two-factor authentication everywhere", "[ ] Automatic updates", "[ ] Tested off-site backups"]),
    ],
}


def _generic(label: str) -> list[tuple]:
    return [
        (f"Guide de démarrage : {label}", "Comment travailler avec nos experts de ce domaine.", "fr", "guide", 6,
         "guide-demarrage.pdf", [f"Guide de démarrage : {label}", "1. Déposer une demande", "2. Suivre la demande"]),
        (f"Liste de contrôle : {label}", "Les pièces à préparer avant une demande.", "fr", "checklist", 50,
         "liste-controle.txt", ["[ ] Description du besoin", "[ ] Documents pertinents", "[ ] Échéance souhaitée"]),
        (f"Getting started: {label}", "How to work with our experts in this field.", "en", "guide", 20,
         "getting-started.pdf", [f"Getting started: {label}", "1. File a request", "2. Follow it"]),
    ]


def minimal_pdf(lines: list[str]) -> bytes:
    """A small valid PDF (one A4 page of Helvetica text, accents in WinAnsi) with its xref table."""
    stream = b"BT /F1 16 Tf 56 780 Td 22 TL"
    for index, line in enumerate(lines):
        if index == 1:
            stream += b" /F1 11 Tf 16 TL"
        stream += b" (" + pdf_string(line) + b") Tj T*"
    stream += b" ET"
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        FONT,
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ], header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def _content(filename: str, lines: list[str]) -> tuple[bytes, str]:
    if filename.endswith(".pdf"):
        return minimal_pdf(lines), "application/pdf"
    return ("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8"


def load_demo_resources(author) -> int:
    """Add the missing demo resources of every installed field; returns how many were added."""
    storage = get_storage()
    now = utcnow()
    written: list[str] = []
    made = 0
    try:
        for field in host().fields.values():
            have = set(db.session.scalars(select(Resource.title).where(Resource.field == field.slug)))
            for title, summary, language, category, days, filename, lines in (
                LIBRARIES.get(field.slug) or _generic(str(field.label))
            ):
                if title in have:
                    continue
                data, mime = _content(filename, lines)
                stored = storage.save(io.BytesIO(data))
                written.append(stored.key)
                published_at = now - timedelta(days=days)
                document = Document(organization_id=None, field=field.slug, title=title, visibility="org",
                                    created_by_id=author.id, created_at=published_at)
                document.versions.append(DocumentVersion(
                    number=1, storage_key=stored.key, filename=filename, size=stored.size, sha256=stored.sha256,
                    mime=mime, uploader_id=author.id, created_at=published_at,
                ))
                db.session.add(Resource(
                    field=field.slug, title=title, summary=summary, language=language, category=category,
                    audience="members", published=True, published_at=published_at, document=document,
                    created_by_id=author.id,
                ))
                made += 1
        db.session.flush()
    except BaseException:
        storage.delete_many(written)
        raise
    return made
