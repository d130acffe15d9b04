"""The printed seating sheets (座位表, 门贴, 桌贴): who may open them, what is on them (every
seated candidate, ID numbers masked), and that they only read."""

from __future__ import annotations

import re

import pytest
from helpers import id_number

SHEETS = ("plan", "door", "labels")


def arranged(auth, make_sitting):  # type: ignore[no-untyped-def]
    s = make_sitting(candidates=12)
    body = auth.login("body")
    plan = body.post(f"/api/v1/sittings/{s['id']}/seating", json={"strategy": "random",
                                                                  "seed": 2025}).get_json()
    assert plan["assigned"] == 12, plan
    return s, body, plan


@pytest.mark.parametrize("sheet", SHEETS)
def test_each_sheet_shows_every_seated_candidate_with_the_id_number_masked(
        app, auth, make_sitting, sheet):
    s, body, plan = arranged(auth, make_sitting)
    for who in (body, auth.login("chief")):
        page = who.get(f"/seating/sittings/{s['id']}/{sheet}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for index in range(12):
            assert f"考生{index + 1}<" in html and s["tickets"][index] in html
            full = id_number(s["id"] * 100 + index)
            assert full not in html
            if sheet != "door":  # the door list has no ID numbers at all
                assert f"{full[:3]}***********{full[-4:]}" in html
        assert not re.search(r"\d{17}[\dX]", html), "a full ID number on a sheet"
        if sheet != "labels":
            assert plan["plan_sha256"][:12] in html and "2025" in html
            assert "09:00–10:30" in html  # venue time, not UTC (01:00)


def test_one_room_alone_and_an_unknown_room(app, auth, make_sitting):
    s, body, _ = arranged(auth, make_sitting)
    page = body.get(f"/seating/sittings/{s['id']}/plan?room={s['rooms'][1]}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="card paper seating-sheet') == 1
    assert body.get(f"/seating/sittings/{s['id']}/plan?room=99999").status_code == 404


@pytest.mark.parametrize("sheet", SHEETS)
def test_invigilators_and_chiefs_of_other_sittings_may_not_open_them(app, auth, make_sitting,
                                                                     sheet):
    s, _, _ = arranged(auth, make_sitting)
    url = f"/seating/sittings/{s['id']}/{sheet}"
    for name in ("inv1", "chief2"):
        page = auth.login(name).get(url)
        assert page.status_code == 403, (name, page.status_code)
        assert "考生1<" not in page.get_data(as_text=True)
    anonymous = auth.client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_full_room_s_door_list_splits_in_two_columns(app, auth, make_sitting):
    s = make_sitting(candidates=56)
    body = auth.login("body")
    assert body.post(f"/api/v1/sittings/{s['id']}/seating",
                     json={"strategy": "random", "seed": 1}).status_code == 200
    html = body.get(f"/seating/sittings/{s['id']}/door").get_data(as_text=True)
    assert html.count('class="grid-table door-table"') == 4  # two rooms of 28, two columns
    assert all(ticket in html for ticket in s["tickets"])
