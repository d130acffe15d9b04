"""Canonical JSON and its SHA-256: what signatures, notices, the audit chain and exports bind to.

Canonical JSON here is json's text with sorted keys, `,`/`:` separators and no ASCII escaping
(`ensure_ascii=False`), encoded as UTF-8. Hashes of it are stored (audit entries, evidence
signatures, decisions' countersignatures, notices, room records) or handed to others (an
export's digest), and are checked again later: these bytes must never change.

Every caller hashes the same form but one: the audit chain has always written a value JSON has
no type for as its `str()` (json's `default=str`), where the others raise. That behaviour is
kept, and named (`str_fallback=True`), rather than silently unified.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Built once: json.dumps with options builds a new encoder on every call.
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_encode_str_fallback = json.JSONEncoder(ensure_ascii=False, sort_keys=True,
                                        separators=(",", ":"), default=str).encode


def canonical_text(value: Any, *, str_fallback: bool = False) -> str:
    """`value` as canonical JSON text; with `str_fallback`, what JSON has no type for (a
    datetime, a Decimal) as its str() instead of a TypeError (the audit chain's form)."""
    return (_encode_str_fallback if str_fallback else _encode)(value)


def canonical_json(value: Any, *, str_fallback: bool = False) -> bytes:
    """`value` as canonical JSON, UTF-8: the bytes that are hashed."""
    return canonical_text(value, str_fallback=str_fallback).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any, *, str_fallback: bool = False) -> str:
    """The SHA-256 (hex) of `value`'s canonical JSON."""
    return sha256_hex(canonical_json(value, str_fallback=str_fallback))


class JsonLinesDigest:
    """SHA-256 over a stream of values, one canonical JSON line each ('\\n' ended), and how many
    (an export's digest and count). `add_lines` takes lines a caller wrote itself, faster, as
    long as they are these bytes."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, value: Any) -> None:
        self._hash.update(canonical_json(value) + b"\n")
        self.count += 1

    def add_lines(self, text: str, count: int) -> None:
        """`count` values' canonical lines, already written (each '\\n' ended) as one text."""
        self._hash.update(text.encode())
        self.count += count

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
