"""Demo document spaces: for both demo organizations, in every field, two folders and a few
documents (small generated PDFs and text files), one of them with two versions."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from extranet.demo.pdf import FONT, pdf_file, pdf_string
from extranet.documents.models import Document, DocumentVersion, Folder
from extranet.extensions import db
from extranet.files import sniff
from extranet.plugins import host
from extranet.storage import get_storage

FOLDERS = ("Procès-verbaux", "Contrats et ententes")


def pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (Latin-1), with a correct cross-reference table."""
    stream = b"BT /F1 14 Tf 72 720 Td (" + pdf_string(text, "latin-1") + b") Tj ET"
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        FONT,
    ])


def _store(doc: Document, data: bytes, filename: str, uploader) -> None:
    stored = get_storage().save(io.BytesIO(data))
    number = len(doc.versions) + 1
    doc.versions.append(DocumentVersion(
        number=number, storage_key=stored.key, filename=filename, size=stored.size, sha256=stored.sha256,
        mime=sniff.detect(io.BytesIO(data)).mime, scan_status="clean", uploader_id=uploader.id,
    ))


def load_demo_documents(spaces, expert) -> None:
    """``spaces``: (organization, member, manager) triples. Idempotent: a space that already
    has folders is left as it is."""
    for org, member, manager in spaces:
        for slug, field in host().fields.items():
            has_folders = db.session.scalar(
                select(func.count(Folder.id)).where(Folder.organization_id == org.id, Folder.field == slug)
            )
            if has_folders:
                continue
            minutes, contracts = (
                Folder(organization=org, field=slug, name=name, created_by_id=manager.id) for name in FOLDERS
            )
            db.session.add_all([minutes, contracts])
            label = str(field.label)
            report = Document(organization=org, field=slug, folder=minutes, title=f"Compte rendu — {label}.pdf",
                              visibility="org", created_by_id=manager.id)
            _store(report, pdf(f"{org.name} - {label} - compte rendu (ebauche)"), report.title, manager)
            _store(report, pdf(f"{org.name} - {label} - compte rendu (version finale)"), report.title, expert)
            contract = Document(organization=org, field=slug, folder=contracts, title="Entente de service.pdf",
                                visibility="org", created_by_id=member.id)
            _store(contract, pdf(f"Entente de service - {org.name}"), contract.title, member)
            notes = Document(organization=org, field=slug, title="Notes de l'expert.txt", visibility="internal",
                             created_by_id=expert.id)
            _store(notes, f"Notes internes sur le dossier {label} de {org.name}.\n".encode(), notes.title, expert)
            contacts = Document(organization=org, field=slug, title="Liste des contacts.csv", visibility="org",
                                created_by_id=member.id)
            _store(contacts, "Nom;Rôle\nMarie Tremblay;Direction\nLuc Gagnon;Trésorerie\n".encode(),
                   contacts.title, member)
            db.session.add_all([report, contract, notes, contacts])
    db.session.flush()
