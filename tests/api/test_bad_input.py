"""Hostile input answers 4xx in the contract's format, never a 500: JSON nested past any
parser's recursion limit, times at the ends of the calendar (no UTC for them), and NUL bytes in
any text of a body, query, form or path (PostgreSQL cannot store them), the login included."""

from __future__ import annotations

import json
import re

import pytest
from helpers import PASSWORD, cid, now_iso


def _error(response, status: int, code: str, field: str | None = None):  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    if field is not None:
        assert body["error"].get("field") == field, body
    return body["error"]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _warning(s, **fields):  # type: ignore[no-untyped-def]
    return {"client_id": cid(), "ticket_no": s["tickets"][0], "subject": "theory",
            "rule_code": "T1.1", "observed_at": now_iso(), **fields}


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_deeply_nested_json_is_refused(app, make_sitting, auth, depth):
    s = make_sitting()
    inv1 = auth.login("inv1")
    url = f"/api/v1/sittings/{s['id']}/warnings"
    whole = inv1.post(url, data=_nested(depth), content_type="application/json")
    assert whole.status_code in (400, 422), whole.get_data()[:200]
    _error(whole, whole.status_code, whole.get_json()["error"]["code"])
    fields = json.dumps(_warning(s))[:-1]  # the object, open at its end
    inside = f'{fields}, "note": {_nested(depth)}}}'

    answer = inv1.post(url, data=inside, content_type="application/json")
    assert answer.status_code in (400, 422), answer.get_data()[:200]
    _error(answer, answer.status_code, answer.get_json()["error"]["code"])


def test_deeply_nested_json_to_the_login_is_refused(app, make_sitting):
    make_sitting()
    answer = app.test_client().post("/api/v1/auth/login", data=_nested(5000),
                                    content_type="application/json")
    assert answer.status_code in (400, 422), answer.get_data()[:200]
    _error(answer, answer.status_code, answer.get_json()["error"]["code"])


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "9999-12-31T20:00:00-08:00",
])
def test_times_without_a_utc_equivalent_are_refused(app, make_sitting, auth, moment):
    s = make_sitting()
    inv1 = auth.login("inv1")
    answer = inv1.post(f"/api/v1/sittings/{s['id']}/warnings",
                       json=_warning(s, observed_at=moment))
    _error(answer, 422, "validation_error", "observed_at")
    incident = inv1.post(f"/api/v1/sittings/{s['id']}/incidents", json={
        "client_id": cid(), "rule_code": "T2.1", "observed_at": moment, "description": "x",
        "parties": [{"ticket_no": s["tickets"][0]}]})
    _error(incident, 422, "validation_error", "observed_at")


def test_times_at_the_edges_that_do_convert_are_accepted_or_refused_cleanly(app, make_sitting,
                                                                             auth):
    s = make_sitting()
    inv1 = auth.login("inv1")
    for moment in ("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00",
                   "0001-01-01T05:00:00+05:00"):
        answer = inv1.post(f"/api/v1/sittings/{s['id']}/warnings",
                           json=_warning(s, observed_at=moment))
        assert answer.status_code < 500, (moment, answer.get_data()[:300])


def test_a_nul_byte_in_a_body_text_is_refused_naming_the_field(app, make_sitting, auth):
    s = make_sitting()
    inv1 = auth.login("inv1")
    url = f"/api/v1/sittings/{s['id']}/warnings"
    _error(inv1.post(url, json=_warning(s, note="wrote\x00this")), 422, "validation_error",
           "note")
    _error(inv1.post(url, json=_warning(s, ticket_no="T\x00")), 422, "validation_error",
           "ticket_no")
    incident = inv1.post(f"/api/v1/sittings/{s['id']}/incidents", json={
        "client_id": cid(), "rule_code": "T2.1", "observed_at": now_iso(), "description": "x",
        "parties": [{"ticket_no": s["tickets"][1]}, {"name": "张\x00三", "id_number": "1"}]})
    _error(incident, 422, "validation_error", "parties.1.name")
    key = inv1.post(url, data='{"no\\u0000te": "x"}', content_type="application/json")
    assert key.status_code == 422 and key.get_json()["error"]["code"] == "validation_error"
    # An escaped backslash before "u0000" is no NUL: the write goes through.
    fine = inv1.post(url, json=_warning(s, note="C:\\u0000\\path"))
    assert fine.status_code == 201, fine.get_json()
    assert fine.get_json()["note"] == "C:\\u0000\\path"


def test_a_nul_byte_in_the_query_or_the_path_is_refused(app, make_sitting, auth):
    s = make_sitting()
    inv1, body = auth.login("inv1"), auth.login("body")
    _error(inv1.get("/api/v1/rules/suggest?q=phone%00"), 422, "validation_error", "q")
    _error(body.get("/api/v1/eligibility?id_number=1101%00&date=2025-06-28"), 422,
           "validation_error", "id_number")
    page = inv1.raw.get(f"/floor/sittings/{s['id']}/rooms/{s['rooms'][0]}?lang=%00",
                        headers={"Accept": "application/json"})
    _error(page, 422, "validation_error", "lang")
    path = body.post("/api/v1/users/inv%002/disable")
    assert 400 <= path.status_code < 500, path.get_data()[:300]
    _error(path, path.status_code, path.get_json()["error"]["code"])


def test_a_nul_byte_in_the_login_is_refused_anonymously(app, make_sitting):
    make_sitting()
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": "inv1\x00", "password": "x"})
    _error(answer, 422, "validation_error", "username")
    form = client.post("/api/v1/auth/login", data={"username": "inv1\x00", "password": "x"})
    assert 400 <= form.status_code < 500
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    html = client.post("/login", data={"username": "inv\x001", "password": PASSWORD,
                                       "csrf_token": token.group(1)},
                       headers={"Accept": "application/json"})
    _error(html, 422, "validation_error", "username")
    browser = client.post("/login", data={"username": "inv\x001", "password": PASSWORD,
                                          "csrf_token": token.group(1)})
    assert browser.status_code == 422  # the error page, for a browser


def test_a_nul_byte_in_a_multipart_form_field_is_refused(app, make_sitting, auth, make_incident):
    s = make_sitting()
    inv1 = auth.login("inv1")
    incident = make_incident.post(inv1, s, "T2.1", description="x")
    assert incident.status_code == 201, incident.get_json()
    import io

    answer = inv1.post(f"/api/v1/incidents/{incident.get_json()['id']}/evidence", data={
        "client_id": cid(), "device": "tab\x00let",
        "file": (io.BytesIO(b"\xff\xd8\xff not really"), "photo.jpg")},
        content_type="multipart/form-data")
    _error(answer, 422, "validation_error", "device")


def test_nothing_was_written_by_the_refusals(app, make_sitting, auth):
    s = make_sitting()
    inv1 = auth.login("inv1")
    from proctor.extensions import db
    from proctor.models import AuditEntry, CandidateWarning

    with app.app_context():
        before = db.session.query(AuditEntry).count()
    for payload in (_warning(s, note="x\x00"), _warning(s, observed_at="0001-01-01T00:00+05:00")):
        assert inv1.post(f"/api/v1/sittings/{s['id']}/warnings", json=payload).status_code == 422
    with app.app_context():
        assert db.session.query(CandidateWarning).count() == 0
        assert db.session.query(AuditEntry).count() == before
