"""The OpenAPI 3.1 document of the REST API, written from the operations' declarations
(``routing.operation``) and their pydantic models: the models that validate a call are the ones
described, so the description cannot drift from the checks."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic.json_schema import models_json_schema

from extranet.rest import schemas as s
from extranet.rest.models import SCOPES
from extranet.rest.routing import OPERATIONS
from extranet.web.ids import ID_MAX, ID_MIN

REF = "#/components/schemas/{model}"
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
PROBLEM = {"$ref": "#/components/schemas/ProblemOut"}
ERRORS = {
    "401": "No token, or one unknown, expired or revoked.",
    "403": "The token lacks the scope this operation needs.",
    "404": "Not found, or not yours to see (the same answer).",
    "422": "The input was refused; `errors` says where.",
    "429": "Too many calls with this token (see Retry-After).",
}


def _path(rule: str) -> str:
    return PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict]:
    found = []
    for converter, name in PARAM.findall(rule):
        schema = {"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX} if converter == "id" else {"type": "string"}
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    return found


def _query_parameters(model, schemas: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop,
             **({"description": prop["description"]} if "description" in prop else {})}
            for name, prop in schema["properties"].items()]


@lru_cache(maxsize=1)
def _document() -> dict:
    models = {s.ProblemOut}
    for op in OPERATIONS:
        models.update(m for m in (op.body, op.response) if m is not None)
    _keys, components = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF)
    schemas = components.get("$defs", {})
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        item = {
            "operationId": op.endpoint.split(".", 1)[1],
            "summary": op.summary,
            "tags": [op.kind or "me"],
            "parameters": _path_parameters(op.rule) + (_query_parameters(op.query, schemas) if op.query else []),
            "responses": {},
        }
        scope = f"{op.kind}:{'write' if op.write else 'read'}" if op.kind else None
        item["description"] = "\n\n".join(part for part in (
            op.description, f"Scope: `{scope}` (a `write` scope includes `read`)." if scope else "") if part)
        item["security"] = [{"bearer": []}]
        if op.body is not None:
            schema = {"$ref": REF.format(model=op.body.__name__)}
            if op.multipart:  # the model's members, and the files beside them
                own = schemas[op.body.__name__]
                schema = {**own, "properties": {**own["properties"], "files": {
                    "type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"}}},
                    "required": ["files"]}
            media = "multipart/form-data" if op.multipart else "application/json"
            item["requestBody"] = {"required": True, "content": {media: {"schema": schema}}}
        if op.binary:
            ok = {"description": "The file, as an attachment.",
                  "content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}}
        else:
            ok = {"description": "OK", "content": {"application/json": {"schema": {"$ref": REF.format(model=op.response.__name__)}}}}
        item["responses"][str(op.status)] = ok
        for code, text in ERRORS.items():
            if code == "422" and not (op.body or op.query):
                continue
            item["responses"][code] = {"description": text, "content": {"application/problem+json": {"schema": PROBLEM}}}
        if op.binary:
            item["responses"]["409"] = {"description": "The file cannot be downloaded now (its virus scan).",
                                        "content": {"text/html": {"schema": {"type": "string"}}}}
        if op.endpoint == "api.transition":
            item["responses"]["409"] = {"description": "The request changed since the version sent.",
                                        "content": {"application/problem+json": {"schema": PROBLEM}}}
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Coop Extranet API",
            "version": "1",
            "description": "Requests, messages, documents, hours and the cooperative's organizations, read and "
                           "changed under the same rules as the pages. Authenticate with a personal access token "
                           "made on your profile: `Authorization: Bearer <token>`. Errors are "
                           "`application/problem+json` (RFC 9457).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal access token. Its scopes: " + ", ".join(SCOPES)}},
        },
    }


def document() -> dict:
    return _document()
