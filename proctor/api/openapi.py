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


def _query_parameters(model: type[BaseModel], components: _Components) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components.schemas.setdefault(name, sub)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _responses(op: Operation, components: _Components) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, model in op.responses.items():
        entry: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "OK")}
        if isinstance(model, type) and issubclass(model, BaseModel):
            entry["content"] = {"application/json": {"schema": components.ref(model,
                                                                              "serialization")}}
        elif isinstance(model, str):
            entry["content"] = {model: {"schema": {"type": "string"}}}
        out[str(status)] = entry
    error = {"description": "Error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
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
    if op.multipart is not None:
        doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": list(op.multipart),
            "properties": {name: {"type": "string", "format": "binary", "description": text}
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
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "proctor_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
