"""The patrol's flags live: a flag reaches its room's tablets and the sitting's patrol and chief,
never another room or another sitting's patrol; the answer comes back to the patrol."""

from __future__ import annotations

from helpers import cid, now_iso

from proctor.extensions import socketio


def _names(client) -> list[str]:
    return [e["name"] for e in client.get_received()]


def test_a_flag_and_its_answer_reach_exactly_who_may_see_them(app, make_sitting, make_user,
                                                               auth):
    s1, s2 = make_sitting(), make_sitting()
    make_user("patrol1", "patrol")
    make_user("patrol2", "patrol")
    body = auth.login("body")
    for sitting, name in ((s1, "patrol1"), (s2, "patrol2")):
        assert body.post(f"/api/v1/sittings/{sitting['id']}/staff",
                         json={"username": name, "role": "patrol"}).status_code == 201
    patrol, inv1 = auth.login("patrol1"), auth.login("inv1")
    sockets = {name: socketio.test_client(app, flask_test_client=api.raw)
               for name, api in (("patrol1", patrol), ("inv1", inv1),
                                 ("inv2", auth.login("inv2")), ("inv3", auth.login("inv3")),
                                 ("chief", auth.login("chief")),
                                 ("patrol2", auth.login("patrol2")))}
    for client in sockets.values():
        assert client.is_connected()
        client.get_received()
    flag = patrol.post(f"/api/v1/rooms/{s1['rooms'][0]}/flags", json={
        "client_id": cid(), "seat_no": 4, "note": "看", "observed_at": now_iso()}).get_json()
    got = {name: _names(client) for name, client in sockets.items()}
    assert got == {"patrol1": ["patrol_flagged"], "inv1": ["patrol_flagged"],
                   "inv2": ["patrol_flagged"], "inv3": [], "chief": ["patrol_flagged"],
                   "patrol2": []}
    assert inv1.post(f"/api/v1/flags/{flag['id']}/answer",
                     json={"outcome": "nothing_found"}).status_code == 200
    answered = [e["args"][0] for e in sockets["patrol1"].get_received()]
    assert [e["type"] for e in answered] == ["patrol_flag_answered"]
    assert answered[0]["data"]["answer"]["outcome"] == "nothing_found"
    assert sockets["patrol2"].get_received() == [] and sockets["inv3"].get_received() == []
    # catch-up: the other sitting's patrol is refused
    refused = sockets["patrol2"].emit("catch_up", {"sitting_id": s1["id"], "after_seq": 0},
                                      callback=True)
    assert refused["error"]["code"] == "forbidden"
