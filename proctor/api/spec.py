"""Routes that validate their input with pydantic and describe themselves in the OpenAPI document.

`@endpoint(...)` registers a Flask route on the API blueprint, validates the JSON body and the
query string with pydantic models (errors answer 400/422 in the contract's format), loads and
scope-checks what the path names (`load=`, a `services.scope.PathLoader`), renders a pydantic
response model, and records the operation so `/api/v1/openapi.json` is built from the very
models that validate the requests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from proctor.errors import ApiError, nul_refused
from proctor.services.scope import PathLoader, loads

JSON = "application/json"
# Database ids are INTEGER columns: on PostgreSQL a larger id cannot even be compared with them.
MAX_DB_ID = 2**31 - 1
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Operation:
    method: str
    rule: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | str | None]
    roles: frozenset[str] | None
    public: bool
    multipart: dict[str, str] | None = None
    errors: tuple[int, ...] = ()


@dataclass
class Registry:
    operations: list[Operation] = field(default_factory=list)


registry = Registry()


def _field_of(error: dict[str, Any]) -> str | None:
    loc = [str(part) for part in error.get("loc", ()) if part != "__root__"]
    return ".".join(loc) or None


def validation_failed(exc: ValidationError, where: str) -> ApiError:
    first = exc.errors(include_url=False)[0]
    name = _field_of(first)
    message = f"{name}: {first['msg']}" if name else str(first["msg"])
    return ApiError(422, "validation_error", message, name,
                    {"details": [{"field": _field_of(e), "message": e["msg"], "type": e["type"]}
                                 for e in exc.errors(include_url=False)][:20], "in": where})


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The body, parsed once by pydantic's JSON parser (which has a recursion limit: JSON nested
    thousands deep is invalid JSON, not a RecursionError) and validated strictly."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    raw = request.get_data()
    if _ESCAPED_NUL in raw:  # rare: only then is the body walked to name the field
        where = nul_path(raw)
        if where is not None:
            raise nul_refused(where, "body")
    try:
        # Strict JSON validation: "4" is not a level and 0 is not a time, as the schema says.
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            if "recursion limit" in first["msg"]:
                raise ApiError(400, "too_deeply_nested", "The body is nested too deeply (at "
                               "most 200 levels).") from None
            raise ApiError(400, "invalid_json", f"The body is not valid JSON: {first['msg']}"
                           .replace("Invalid JSON: ", "")) from None
        if first["type"] == "model_type" and not first["loc"]:
            raise ApiError(422, "validation_error", "The body must be a JSON object.") from None
        raise validation_failed(exc, "body") from None


# A NUL in a JSON text is always written escaped (a raw one is invalid JSON).
_ESCAPED_NUL = b"\\u0000"


def nul_path(raw: bytes) -> str | None:
    """Where the first text of a JSON document holds a NUL ("parties.1.name"); None if none
    does (an escaped backslash before "u0000") or the JSON does not parse."""
    try:
        document = from_json(raw)
    except ValueError:
        return None
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value and path:
                return path
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                name = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return name.replace("\x00", "\\u0000")
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item)
                         for i, item in reversed(list(enumerate(value))))
    return None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate_strings(request.args.to_dict(), strict=True)
    except ValidationError as exc:
        raise validation_failed(exc, "query") from None


def render(result: Any) -> Any:
    """A view returns a model, (model, status), a list of models, or a ready Response."""
    status = 200
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, Response):
        return result
    if isinstance(result, BaseModel):
        return jsonify(result.model_dump(mode="json", by_alias=True)), status
    if isinstance(result, list):
        return jsonify([item.model_dump(mode="json", by_alias=True) if isinstance(item, BaseModel)
                        else item for item in result]), status
    return jsonify(result), status


def endpoint(bp: Blueprint, method: str, rule: str, *, summary: str, tag: str,
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             responses: dict[int, type[BaseModel] | str | None] | None = None,
             roles: Iterable[str] | None = None, public: bool = False,
             multipart: dict[str, str] | None = None, errors: Iterable[int] = (),
             load: PathLoader | None = None,
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `method rule` on `bp`; roles=None with public=False means nobody (deny). With
    `load`, the view takes the objects the path names (after the body is validated)."""
    op = Operation(method.upper(), rule, summary, tag, body, query, responses or {200: None},
                   frozenset(roles) if roles is not None else None, public, multipart,
                   tuple(errors))
    registry.operations.append(op)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        handler = view if load is None else loads(load)(view)

        @functools.wraps(view)
        def wrapper(**path: Any) -> Any:
            kwargs = dict(path)
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return render(handler(**kwargs))

        wrapper.public = public  # type: ignore[attr-defined]
        wrapper.roles = op.roles  # type: ignore[attr-defined]
        bp.add_url_rule(rule, view.__name__, wrapper, methods=[op.method])
        return wrapper

    return decorate


def openapi_path(rule: str) -> str:
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for converter, name in _PATH_PARAM.findall(rule):
        schema: dict[str, Any]
        if converter == "id":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_DB_ID}
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": 64}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params
