"""Issue #9, items 17, 19 and 24: `next` never leaves the site, pages carry a Content-Security-
Policy and a Permissions-Policy, and every page with full ID numbers says `no-store`."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from helpers import PASSWORD

HOSTILE_NEXT = [
    "//evil.example/", "/%09/evil.example/", "/%0a/evil.example/", "/%0d%0a/evil.example/",
    "/\\evil.example/", "/%5cevil.example/", "%2f%2fevil.example/", "/%2f/evil.example/",
    "/%252f%252fevil.example/", "https://evil.example/", "https:evil.example",
    "javascript:alert(1)", "/%00/evil.example", " //evil.example/", "/\t/evil.example/",
    "%09//evil.example", "///evil.example/", "/%5c%5cevil.example", "\\\\evil.example",
    "/%E3%80%80/evil.example/", "/%7f/evil.example",
]


def _stays_home(response, fallback: str = "/") -> None:
    if response.status_code == 422:  # a NUL in the query is refused outright on PostgreSQL
        return
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert all(ord(c) > 0x20 and c != "\\" for c in location), location
    assert location == fallback, location


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_and_language_never_redirect_off_site(make_user, client, target):
    make_user("body", "authority")
    from urllib.parse import quote

    # The query string as a browser would send it (already encoded where it is encoded).
    raw = target if "%" in target else quote(target, safe="/:")
    language = client.get(f"/lang/en?next={raw}")
    _stays_home(language)
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    login = client.post(f"/login?next={raw}", data={
        "username": "body", "password": PASSWORD, "csrf_token": token})
    _stays_home(login)


def test_same_site_paths_are_kept(make_user, client):
    make_user("body", "authority")
    language = client.get("/lang/en?next=/review/sittings/1%3Fx%3D1")
    assert language.headers["Location"] == "/review/sittings/1?x=1"
    assert client.get("/lang/en?next=/authority/").headers["Location"] == "/authority/"
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    login = client.post("/login?next=/authority/exports", data={
        "username": "body", "password": PASSWORD, "csrf_token": token})
    assert login.headers["Location"] == "/authority/exports"


# -- item 24: no-store on every page with full ID numbers --------------------------------------
def test_pages_with_full_id_numbers_are_never_stored(make_sitting, auth, make_incident, decide,
                                                     issue_notices):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    ticket = s["tickets"][0]
    iid = make_incident(inv, s, "T2.1", tickets=[ticket])["id"]
    assert decide.post(chief, iid).status_code == 200
    notice = issue_notices(chief, iid)[0]
    pages = {
        chief: [f"/review/sittings/{s['id']}", f"/review/incidents/{iid}",
                f"/review/sittings/{s['id']}/candidates/{ticket}", f"/notices/{notice['id']}",
                f"/notices/{notice['id']}.pdf"],
        body: ["/authority/", f"/authority/sittings/{s['id']}", "/authority/accounts",
               "/authority/audit", "/authority/exports", f"/review/incidents/{iid}",
               f"/notices/{notice['id']}"],
    }
    for api, urls in pages.items():
        for url in urls:
            response = api.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response.headers.get("Cache-Control", ""), url


# -- item 17: the policies on every page -------------------------------------------------------
def test_every_page_has_a_csp_and_only_the_room_screen_may_use_the_camera(make_sitting, auth):
    s = make_sitting()
    inv, body = auth.login("inv1"), auth.login("body")
    room = inv.get(f"/floor/sittings/{s['id']}/rooms/{s['rooms'][0]}")
    for response in (room, inv.get("/"), body.get("/authority/"), inv.raw.get("/login"),
                     body.get("/api/v1/sittings"), inv.raw.get("/healthz")):
        csp = response.headers.get("Content-Security-Policy", "")
        directives = dict((part.split(" ", 1) + [""])[:2] for part in
                          (p.strip() for p in csp.split(";")) if part)
        assert directives.get("default-src") == "'self'", csp
        assert "'unsafe-inline'" not in directives.get("script-src", ""), csp
        assert "'unsafe-eval'" not in csp
        assert directives.get("object-src") == "'none'" and directives.get(
            "frame-ancestors") == "'none'", csp
        assert "'unsafe-inline'" not in directives.get("style-src", ""), csp
    assert "camera=(self)" in room.headers["Permissions-Policy"]
    for response in (inv.get("/"), body.get("/authority/"), inv.raw.get("/login")):
        policy = response.headers["Permissions-Policy"]
        assert "camera=()" in policy and "microphone=()" in policy, policy
