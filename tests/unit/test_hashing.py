"""Unit tests for proctor.hashing: the bytes hashed are those stored hashes were made of."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor import hashing

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(JSON_VALUES)
def test_canonical_json_is_what_every_caller_hashed(value):
    """evidence, appeals, room records and the export's rows: json.dumps with sorted keys,
    no spaces, no ASCII escaping, UTF-8."""
    expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashing.canonical_json(value) == expected.encode()
    assert hashing.canonical_text(value) == expected
    assert hashing.digest(value) == hashlib.sha256(expected.encode()).hexdigest()


@given(JSON_VALUES)
def test_str_fallback_is_what_the_audit_chain_hashed(value):
    payload = {"data": value, "at": datetime(2026, 3, 1, tzinfo=UTC), "n": Decimal("1.5")}
    expected = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=str).encode()
    assert hashing.canonical_json(payload, str_fallback=True) == expected
    with pytest.raises(TypeError):
        hashing.canonical_json(payload)


def test_digests_of_records_already_stored_do_not_change():
    """Digests computed by the code before proctor.hashing existed (issue 9)."""
    record = {"id": 7, "sitting_id": 1, "rule_code": "T3.2", "subject_id": None,
              "description": '夹带小抄 "纸条"', "observed_at": "2026-03-01T09:15:00+00:00",
              "reported_by": 3, "parties": [(11, "principal")], "photos": ["ab" * 32]}
    assert hashing.digest(record) == (
        "8aa30c6c072e6c5f6d8ec438a9b8732166214806c81b68f3f0ae0e7c17dfbae9")
    entry = {"seq": 5, "at": "2026-03-01T09:15:00.000000+00:00", "actor": "wang",
             "action": "incident_reported", "object_type": "incident", "object_id": "7",
             "data": {"ip": "10.0.0.1", "note": "é", "at": datetime(2026, 3, 1, tzinfo=UTC),
                      "n": Decimal("1.5")}, "prev_hash": "0" * 64}
    assert hashing.digest(entry, str_fallback=True) == (
        "cc1c0da81ceccf35b5b55088650a31d3d5c72630d5918f9d5d45827cef582722")


def test_json_lines_digest_hashes_one_canonical_line_per_value():
    rows = [{"b": 1, "a": "张"}, {"a": None}]
    added, written = hashing.JsonLinesDigest(), hashing.JsonLinesDigest()
    for row in rows:
        added.add(row)
    written.add_lines('{"a":"张","b":1}\n{"a":null}\n', 2)
    expected = hashlib.sha256('{"a":"张","b":1}\n{"a":null}\n'.encode()).hexdigest()
    assert added.hexdigest() == written.hexdigest() == expected
    assert added.count == written.count == 2
