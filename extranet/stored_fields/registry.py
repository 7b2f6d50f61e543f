"""What the plugin host serves of the fields stored in the database: the same ``ExpertiseField``
and ``RequestType`` a plugin registers, built from the rows (each type's form built once per
load). The host asks ``revisions()`` once per request and ``load()`` when they changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extranet.contributions import Bilingual, ExpertiseField, RequestType
from extranet.extensions import db
from extranet.stored_fields.models import StoredField
from extranet.stored_fields.questions import answer_labels, build_form


def as_field(row: StoredField) -> ExpertiseField:
    return ExpertiseField(
        slug=row.slug, label=Bilingual(row.name_fr, row.name_en),
        description=Bilingual(row.description_fr, row.description_en), icon=row.icon, colour=row.colour,
        order=row.order, prefix=row.prefix, stored=True,
    )


def as_types(row: StoredField) -> list[RequestType]:
    return [
        RequestType(
            field=row.slug, slug=t.slug, label=Bilingual(t.name_fr, t.name_en),
            description=Bilingual(t.description_fr, t.description_en),
            form=build_form(t.questions, t.form_version), workflow=t.workflow,
            confidentiality=row.confidentiality, order=t.order, priority=t.priority,
            answer_labels=answer_labels(list(t.form_versions)), stored=True,
            response_targets={priority: timedelta(hours=hours) for priority, hours in (t.response_hours or {}).items()},
        )
        for t in row.types
    ]


class StoredFields:
    """The source of stored fields that ``create_app`` hands to the host."""

    def revisions_query(self):
        """``(slug, revision)`` of every stored field: the host reads it with the modules' states."""
        return select(StoredField.slug, StoredField.revision)

    def revisions(self) -> tuple:
        return tuple(sorted(tuple(row) for row in db.session.execute(self.revisions_query())))

    def load(self) -> tuple[list[ExpertiseField], list[RequestType]]:
        rows = db.session.scalars(select(StoredField).options(selectinload(StoredField.types))).all()
        return [as_field(r) for r in rows], [t for r in rows for t in as_types(r)]
