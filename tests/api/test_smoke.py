from __future__ import annotations


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_login_and_me(make_sitting, auth):
    make_sitting()
    inv = auth.login("inv1")
    me = inv.get("/api/v1/auth/me").get_json()
    assert me["username"] == "inv1" and me["role"] == "invigilator"
    assert len(me["rooms"]) == 1
