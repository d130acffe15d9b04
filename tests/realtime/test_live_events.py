"""Live events over Socket.IO: authenticated connections, room scoping, catch-up by seq."""

from __future__ import annotations

from proctor.extensions import socketio


def connect(app, api):
    return socketio.test_client(app, flask_test_client=api.raw)


def events(client, name=None):
    received = client.get_received()
    return [e["args"][0] for e in received if name is None or e["name"] == name]


def test_connect_refused_without_a_session(app, make_sitting, auth):
    make_sitting()
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()
    bad_token = socketio.test_client(app, auth={"token": "pt_not-a-token"})
    assert not bad_token.is_connected()


def test_events_reach_only_the_rooms_that_may_see_them(app, make_sitting, auth):
    s = make_sitting()
    inv1, inv2, inv3, chief = (auth.login(n) for n in ("inv1", "inv2", "inv3", "chief"))
    tablet_b, tablet_other_room, board = connect(app, inv2), connect(app, inv3), connect(app,
                                                                                     chief)
    for client in (tablet_b, tablet_other_room, board):
        assert client.is_connected()
        client.get_received()
    ticket = s["tickets"][0]  # room A
    response = inv1.post(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/attendance",
                         json={"status": "present", "id_checked": True})
    assert response.status_code == 200
    seen = events(tablet_b, "attendance_recorded")
    assert len(seen) == 1 and seen[0]["data"]["ticket_no"] == ticket
    assert seen[0]["room_id"] == s["rooms"][0] and seen[0]["sitting_id"] == s["id"]
    assert [e["type"] for e in events(board)] == ["attendance_recorded"]
    assert events(tablet_other_room) == []


def test_catch_up_returns_exactly_the_missed_events(app, make_sitting, auth, make_warning):
    s = make_sitting()
    inv1, inv2 = auth.login("inv1"), auth.login("inv2")
    tablet = connect(app, inv2)
    ticket = s["tickets"][0]
    make_warning(inv1, s, ticket=ticket, rule="T1.1")
    last_seen = events(tablet)[-1]["seq"]
    tablet.disconnect()
    for status in ("late", "present"):
        inv1.post(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/attendance",
                  json={"status": status})
    inv1.post(f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][1]}/attendance",
              json={"status": "present"})  # room B: not for this tablet (inv1 is refused)
    tablet = connect(app, inv2)
    answer = tablet.emit("catch_up", {"sitting_id": s["id"], "after_seq": last_seen},
                         callback=True)
    missed = answer["events"]
    assert [e["data"]["status"] for e in missed] == ["late", "present"]
    assert [e["seq"] for e in missed] == sorted(e["seq"] for e in missed)
    assert all(e["seq"] > last_seen for e in missed)
    again = tablet.emit("catch_up", {"sitting_id": s["id"], "after_seq": missed[-1]["seq"]},
                        callback=True)
    assert again["events"] == []
    foreign = tablet.emit("catch_up", {"sitting_id": 999, "after_seq": 0}, callback=True)
    assert foreign["error"]["code"] == "forbidden"
    malformed = tablet.emit("catch_up", {"sitting_id": "x"}, callback=True)
    assert malformed["error"]["code"] == "validation_error"


def test_a_refused_write_is_never_announced(app, make_sitting, auth, make_warning):
    s = make_sitting()
    inv1, inv2 = auth.login("inv1"), auth.login("inv2")
    tablet = connect(app, inv2)
    tablet.get_received()
    refused = make_warning.post(inv1, s, rule="T2.1")
    assert refused.status_code == 422
    assert events(tablet) == []


def test_a_session_that_timed_out_gets_nothing_more(app, make_sitting, auth):
    s = make_sitting()
    inv2 = auth.login("inv2")
    tablet = connect(app, inv2)
    assert tablet.is_connected()
    from datetime import timedelta

    from proctor.database import utcnow
    from proctor.extensions import db
    from proctor.models import UserSession

    with app.app_context():  # idle for longer than the idle timeout
        for row in db.session.scalars(db.select(UserSession)):
            row.last_seen_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    answer = tablet.emit("catch_up", {"sitting_id": s["id"], "after_seq": 0}, callback=True)
    assert answer["error"]["code"] == "unauthenticated"
    assert not tablet.is_connected()


def test_logout_and_disabling_cut_the_live_connection(app, make_sitting, auth):
    s = make_sitting()
    inv1, inv2 = auth.login("inv1"), auth.login("inv2")
    other_tablet_of_inv2 = auth.login("inv2")
    tablet, spare = connect(app, inv2), connect(app, other_tablet_of_inv2)
    inv2.post("/api/v1/auth/logout")
    assert not tablet.is_connected()
    assert spare.is_connected()  # the other tablet's session goes on
    from proctor.extensions import db
    from proctor.models import User
    from proctor.services.accounts import set_active

    with app.app_context():
        set_active(db.session.scalar(db.select(User).where(User.username == "inv2")), False)
        db.session.commit()
    assert not spare.is_connected()
    inv1.post(f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][0]}/attendance",
              json={"status": "present"})
