"""What the REST API reads and answers, as pydantic models: the same classes validate a call's
query and body and describe them in the OpenAPI document (``openapi.py``), so that the
description cannot drift from what is checked. A request type's own answers are validated by
its form (WTForms, as on the page) and described by ``form_schema``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extranet.web.ids import ID_MAX, ID_MIN

Id = Field(ge=ID_MIN, le=ID_MAX)
PER_PAGE_MAX = 100


class Input(BaseModel):
    """Unknown members are refused: a misspelt name is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# -- input -----------------------------------------------------------------------------------


class Paging(Input):
    page: int = Field(1, ge=1, le=10**9, description="The page, from 1.")
    per_page: int = Field(25, ge=1, le=PER_PAGE_MAX, description="Items per page.")


class RequestFilters(Paging):
    """The request list's filters, as on the page (the same query decides)."""

    field: str | None = Field(None, max_length=40, description="A field's slug (hr, legal…).")
    state: str | None = Field(None, max_length=40)
    type: str | None = Field(None, max_length=60)
    assignee: str | None = Field(None, max_length=12, description="`me`, `none` or a user's id.")
    since: date | None = Field(None, description="Filed on or after this day.")
    until: date | None = Field(None, description="Filed on or before this day.")
    q: str | None = Field(None, max_length=200, description="Text in the reference, title or description.")
    open: bool | None = Field(None, description="Only requests not finished.")
    sort: Literal["-created", "created", "-updated", "due", "reference"] = "-created"
    organization: int | None = Field(None, ge=ID_MIN, le=ID_MAX,
                                     description="For people of several organizations: which one (default: the first).")


class NewRequest(Input):
    field: str = Field(max_length=40)
    type: str = Field(max_length=60)
    organization_id: int | None = Field(None, ge=ID_MIN, le=ID_MAX,
                                        description="The organization it is filed for (default: one's own).")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20000)
    restricted: bool | None = Field(None, description="Default: the request type's confidentiality.")
    answers: dict[str, Any] = Field(default_factory=dict,
                                    description="The type's own questions (see its `form` schema).")


class TransitionInput(Input):
    version: int | None = Field(None, ge=1, le=ID_MAX,
                                description="The request's version you read: refused with 409 if it changed.")
    comment: str = Field("", max_length=5000)
    answers: dict[str, Any] = Field(default_factory=dict, description="The step's own questions, if any.")


class NewMessage(Input):
    body: str = Field(min_length=1, max_length=20000)
    internal: bool = Field(False, description="An internal note, for the request's experts only.")


class NewTimeEntry(Input):
    date: date
    duration: str = Field(max_length=20, description="`1:30`, `1h30`, `90` (minutes) or `1.5` (hours).")
    activity: str = Field("analysis", max_length=40)
    billable: bool = True
    note: str = Field("", max_length=2000)


class UploadInput(Input):
    """A ``multipart/form-data`` body: one or more ``files`` besides these."""

    visibility: Literal["org", "restricted", "internal"] = "org"
    category: str | None = Field(None, max_length=60)


# -- output ----------------------------------------------------------------------------------


class Page(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


class Person(BaseModel):
    id: int
    name: str


class Me(Person):
    email: str
    locale: str
    is_admin: bool
    is_expert: bool
    fields: list[str]
    organizations: list[int]
    scopes: list[str] = Field(description="What the token used may do.")


class UserOut(Person):
    email: str
    active: bool
    is_admin: bool
    is_expert: bool
    fields: list[str]


class OrganizationOut(BaseModel):
    id: int
    name: str
    kind: str
    parent_id: int | None
    active: bool
    fields: list[str]


class OrganizationList(Page):
    items: list[OrganizationOut]


class MemberOut(Person):
    email: str
    role: str
    pending: bool


class RequestOut(BaseModel):
    id: int
    reference: str
    field: str
    type: str
    organization_id: int
    title: str
    description: str
    state: str
    priority: str
    confidentiality: Literal["standard", "restricted"]
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    requester: Person | None
    assignees: list[Person]
    contacts: list[Person]
    answers: dict[str, Any]
    transitions: list[str] = Field(description="The steps the caller may take now.")


class RequestList(Page):
    items: list[RequestOut]


class MessageOut(BaseModel):
    id: int
    author: Person | None
    body: str
    internal: bool
    created_at: datetime
    attachments: list[FileOut]


class FileOut(BaseModel):
    id: int
    filename: str
    size: int
    mime: str
    sha256: str
    scan_status: str
    created_at: datetime
    download: str = Field(description="Where to download it (the same token).")


class MessageList(Page):
    items: list[MessageOut]


class DocumentOut(BaseModel):
    id: int
    title: str
    field: str
    organization_id: int | None
    request: str | None = Field(description="The reference of the request it belongs to, if any.")
    visibility: str
    created_at: datetime
    updated_at: datetime
    current: FileOut | None
    versions: int


class RequestFiles(BaseModel):
    documents: list[DocumentOut]
    attachments: list[FileOut]


class UploadOutcome(BaseModel):
    filename: str
    document: DocumentOut | None
    refusal: str | None


class UploadResult(BaseModel):
    items: list[UploadOutcome]


class MemberList(BaseModel):
    items: list[MemberOut]


class TimeEntryOut(BaseModel):
    id: int
    date: date
    minutes: int
    activity: str
    billable: bool
    expert: Person | None
    note: str | None = Field(description="Null when the caller may not read time notes.")


class TimeEntryList(Page):
    items: list[TimeEntryOut]


class AgreementOut(BaseModel):
    id: int
    organization_id: int
    field: str
    year: int
    minutes_allotted: int
    hourly_rate_cents: int
    overage_rate_cents: int
    carry_over: str


class AgreementList(BaseModel):
    items: list[AgreementOut]


class StatementLine(BaseModel):
    field: str
    reference: str | None
    title: str | None = Field(description="Null for a request the caller may not open.")
    minutes: int
    overage_minutes: int
    amount_cents: int
    overage_cents: int


class StatementOut(BaseModel):
    id: int
    organization_id: int
    month: str
    total_minutes: int
    total_cents: int
    overage_minutes: int
    overage_cents: int
    closed_at: datetime | None
    lines: list[StatementLine]


class StatementList(BaseModel):
    items: list[StatementOut]


class StateOut(BaseModel):
    slug: str
    label: str
    terminal: bool


class TransitionOut(BaseModel):
    slug: str
    label: str
    sources: list[str]
    target: str
    roles: list[str]
    form: dict[str, Any] = Field(description="JSON Schema of the step's answers.")


class RequestTypeOut(BaseModel):
    field: str
    slug: str
    label: str
    description: str
    confidentiality: str
    workflow: str


class RequestTypeDetail(RequestTypeOut):
    form: dict[str, Any] = Field(description="JSON Schema of the type's `answers`.")
    states: list[StateOut]
    transitions: list[TransitionOut]


class FieldOut(BaseModel):
    slug: str
    label: str
    types: list[RequestTypeOut]


class FieldList(BaseModel):
    items: list[FieldOut]


class ProblemOut(BaseModel):
    """RFC 9457; ``errors`` lists what was refused in the input, each at its place."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


MessageOut.model_rebuild()
