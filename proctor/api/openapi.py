"""The OpenAPI 3.1 document, built from the registry of validated endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from proctor.api.spec import Operation, openapi_path, path_parameters, registry

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}

_STATUS_TEXT = {200: "OK", 201: "Created", 204: "No content"}

# A `format` query parameter picks the representation of the 200 answer (exports): each value
# it may take is documented as a content type of that answer.
_FORMAT_MEDIA: dict[str, tuple[str, dict[str, Any]]] = {
    "csv": ("text/csv", {"type": "string", "description": "UTF-8 CSV with a BOM, same columns"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             {"type": "string", "format": "binary", "description": "XLSX workbook"}),
}


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}",
                                         mode=mode)  # type: ignore[arg-type]
        for name, sub in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, sub)
        self.schemas.setdefault(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """`X | None = None` in a query model: the parameter is absent or an X, never a JSON null."""
    branches = prop.get("anyOf")
    if not branches:
        return prop
    kept = [b for b in branches if b != {"type": "null"}]
    rest = {key: value for key, value in prop.items() if key != "anyOf"}
    if rest.get("default", ...) is None:
        del rest["default"]
    return {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}


def _query_parameters(model: type[BaseModel], components: _Components) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components.schemas.setdefault(name, sub)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required,
             "schema": _without_null(prop)}
            for name, prop in schema.get("properties", {}).items()]


def _formats(op: Operation) -> list[str]:
    """The values of the operation's `format` query parameter, if it has one."""
    if op.query is None or "format" not in op.query.model_fields:
        return []
    prop = op.query.model_json_schema()["properties"]["format"]
    return [str(value) for value in prop.get("enum", [])]


def _responses(op: Operation, components: _Components) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, model in op.responses.items():
        entry: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "OK")}
        if isinstance(model, type) and issubclass(model, BaseModel):
            entry["content"] = {"application/json": {"schema": components.ref(model,
                                                                              "serialization")}}
        elif isinstance(model, str):
            entry["content"] = {model: {"schema": {"type": "string"}}}
        elif status != 204:
            entry["content"] = {"application/json": {"schema": {"type": "object"}}}
        if status == 200:
            for name in _formats(op):
                if name in _FORMAT_MEDIA:
                    media, schema = _FORMAT_MEDIA[name]
                    entry.setdefault("content", {})[media] = {"schema": schema}
        out[str(status)] = entry
    error = {"$ref": "#/components/responses/Error"}
    for status in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, *op.errors):
        out.setdefault(str(status), error)
    return out


def _operation(op: Operation, components: _Components) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": f"{op.method.lower()}_{op.rule}".replace("/", "_").replace("<", "")
        .replace(">", "").replace(":", "_"),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": path_parameters(op.rule),
        "responses": _responses(op, components),
    }
    if op.query is not None:
        doc["parameters"] += _query_parameters(op.query, components)
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": components.ref(op.body, "validation")}}}
    if op.multipart is not None:  # a field named "name?" is optional
        doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": [n for n in op.multipart if not n.endswith("?")],
            "properties": {name.rstrip("?"): {"type": "string", "format": "binary",
                                              "description": text}
                           for name, text in op.multipart.items()}}}}}
    if op.public:
        doc["security"] = []
    return doc


def build_document(server_url: str = "/api/v1") -> dict[str, Any]:
    components = _Components()
    paths: dict[str, Any] = {}
    for op in registry.operations:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op,
                                                                                   components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Proctor API", "version": "1",
                 "description": "Exam-day proctoring and misconduct recording (JSON API v1)."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "responses": {"Error": {
                "description": "The contract's error: {error: {code, message, field?}}",
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "proctor_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
