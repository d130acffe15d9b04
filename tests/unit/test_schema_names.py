"""The OpenAPI document names each schema by its class: two models of one name would silently
share one entry (the second documented by the first's shape), so every model of the API has a
name of its own."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

from pydantic import BaseModel

import proctor.api
import proctor.api.schemas


def _models() -> dict[str, set[str]]:
    where: dict[str, set[str]] = defaultdict(set)
    for package in (proctor.api, proctor.api.schemas):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if (inspect.isclass(value) and issubclass(value, BaseModel)
                        and value.__module__ == module.__name__):
                    where[name].add(f"{value.__module__}.{name}")
    return where


def test_every_api_model_has_a_name_of_its_own():
    models = _models()
    assert len(models) > 50  # the walk found the schemas
    assert {name: sorted(found) for name, found in models.items() if len(found) > 1} == {}
