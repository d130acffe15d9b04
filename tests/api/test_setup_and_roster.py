"""Setting a sitting up over the API, and importing rosters (CSV in three encodings, XLSX)."""

from __future__ import annotations

import io

from helpers import id_number
from openpyxl import Workbook

SITTING = {"occupation": "人工智能训练师", "level": 4, "date": "2025-06-28", "subjects": [
    {"code": "theory", "name": "理论知识", "starts_at": "09:00", "ends_at": "10:30"},
    {"code": "practical", "name": "操作技能", "starts_at": "2025-06-28T13:30:00+08:00",
     "ends_at": "2025-06-28T15:30:00+08:00"}]}


def new_sitting(body):
    response = body.post("/api/v1/sittings", json=SITTING)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_sitting_rooms_staff_candidates(make_user, auth):
    make_user("body", "authority")
    make_user("inv9", "invigilator")
    body = auth.login("body")
    sitting = new_sitting(body)
    assert [s["code"] for s in sitting["subjects"]] == ["theory", "practical"]
    assert sitting["subjects"][0]["starts_at"].startswith("2025-06-28T01:00:00")  # 09:00 +08
    room = body.post(f"/api/v1/sittings/{sitting['id']}/rooms",
                     json={"name": "第一考场", "rows": 5, "cols": 6})
    assert room.status_code == 201 and room.get_json()["seats"] == 30
    room_id = room.get_json()["id"]
    staff = body.post(f"/api/v1/sittings/{sitting['id']}/staff",
                      json={"username": "inv9", "role": "invigilator", "room_id": room_id})
    assert staff.status_code == 201, staff.get_json()
    made = body.post(f"/api/v1/sittings/{sitting['id']}/candidates", json={
        "ticket_no": "A001", "name": "张三", "id_number": id_number(1).lower(),
        "subjects": ["theory"]})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["subjects"] == ["theory"]
    seat = body.put(f"/api/v1/sittings/{sitting['id']}/candidates/A001/seat",
                    json={"room_id": room_id, "seat_no": 7})
    assert seat.status_code == 200 and seat.get_json()["seat_no"] == 7
    inv = auth.login("inv9")
    card = inv.get(f"/api/v1/sittings/{sitting['id']}/candidates/A001").get_json()
    assert card["seat"] == {"room_id": room_id, "seat_no": 7}
    assert card["id_number"] == id_number(1)[:3] + "*" * 11 + id_number(1)[-4:]
    checked = inv.post(f"/api/v1/sittings/{sitting['id']}/candidates/A001/attendance",
                       json={"status": "present", "id_checked": True, "subject": "theory"})
    assert checked.status_code == 200 and checked.get_json()["status"] == "present"
    wrong = inv.post(f"/api/v1/sittings/{sitting['id']}/candidates/A001/attendance",
                     json={"status": "late", "subject": "practical"})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["code"] == "subject_not_taken"


def test_setup_errors(make_user, auth):
    make_user("body", "authority")
    make_user("chief9", "chief")
    body = auth.login("body")
    sitting = new_sitting(body)
    sid = sitting["id"]
    cases = [
        (body.post("/api/v1/sittings", json={**SITTING, "subjects": [
            {"code": "a", "name": "A", "starts_at": "10:00", "ends_at": "09:00"}]}),
         422, "subject_ends_before_start"),
        (body.post("/api/v1/sittings", json={**SITTING, "date": "2025-02-30"}),
         422, "validation_error"),
        (body.post("/api/v1/sittings", json={**SITTING, "level": "four"}),
         422, "validation_error"),
        (body.post(f"/api/v1/sittings/{sid}/rooms", json={"name": "R", "rows": 0, "cols": 5}),
         422, "validation_error"),
        (body.post(f"/api/v1/sittings/{sid}/staff", json={"username": "ghost",
                                                           "role": "chief"}),
         422, "unknown_user"),
        (body.post(f"/api/v1/sittings/{sid}/staff", json={"username": "chief9",
                                                           "role": "invigilator",
                                                           "room_id": 1}),
         422, "role_mismatch"),
        (body.post(f"/api/v1/sittings/{sid}/candidates", json={
            "ticket_no": "A1", "name": "李四", "id_number": "310101199001011235"}),
         422, "invalid_id_number"),
        (body.post(f"/api/v1/sittings/{sid}/candidates", json={
            "ticket_no": "A1", "name": "李四", "id_number": id_number(2),
            "subjects": ["art"]}), 422, "unknown_subject"),
        (body.post("/api/v1/sittings/99999/rooms", json={"name": "R", "rows": 1, "cols": 1}),
         404, "sitting_not_found"),
        (body.put(f"/api/v1/sittings/{sid}/candidates/NOPE/seat",
                  json={"room_id": 1, "seat_no": 1}), 404, "unknown_ticket_no"),
        (body.post("/api/v1/sittings", data="{not json", content_type="application/json"),
         400, "invalid_json"),
        (body.post("/api/v1/sittings", data="occupation=x"), 415, "unsupported_media_type"),
        (body.post("/api/v1/sittings", json=[1, 2]), 422, "validation_error"),
        (body.post("/api/v1/sittings", json={**SITTING, "extra": 1}), 422, "validation_error"),
        (body.get("/api/v1/nothing-here"), 404, "not_found"),
        (body.raw.delete("/api/v1/sittings"), 405, "method_not_allowed"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == code and error["message"]


def test_seat_taken_and_swap(make_sitting, auth):
    s = make_sitting(candidates=4)
    inv = auth.login("inv1")
    a, c = s["tickets"][0], s["tickets"][2]  # room A seats 1 and 2
    url = f"/api/v1/sittings/{s['id']}/candidates/{a}/seat"
    taken = inv.put(url, json={"room_id": s["rooms"][0], "seat_no": 2})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "seat_taken"
    swapped = inv.put(url, json={"room_id": s["rooms"][0], "seat_no": 2, "swap": True})
    assert swapped.status_code == 200 and swapped.get_json()["swapped_with"] == c
    other = inv.get(f"/api/v1/sittings/{s['id']}/candidates/{c}").get_json()
    assert other["seat"]["seat_no"] == 1
    away = inv.put(url, json={"room_id": s["rooms"][1], "seat_no": 20})
    assert away.status_code == 403  # room B is not inv1's
    out_of_range = inv.put(url, json={"room_id": s["rooms"][0], "seat_no": 31})
    assert out_of_range.status_code == 422


ROSTER_ROWS = [("准考证号", "姓名", "身份证号", "科目"),
               ("R001", "王小明", id_number(11), "theory;practical"),
               ("R002", "李小红", id_number(12), "practical"),
               ("R003", "赵大海", id_number(13), "")]


def csv_bytes(rows, encoding):
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return text.encode(encoding)


def upload(body, sid, data, name):
    return body.post(f"/api/v1/sittings/{sid}/roster",
                     data={"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def test_roster_in_every_encoding_and_reimport_changes_nothing(make_user, auth):
    make_user("body", "authority")
    body = auth.login("body")
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        sid = new_sitting(body)["id"]
        first = upload(body, sid, csv_bytes(ROSTER_ROWS, encoding), "roster.csv")
        assert first.status_code == 200, first.get_json()
        assert first.get_json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
        again = upload(body, sid, csv_bytes(ROSTER_ROWS, encoding), "roster.csv")
        assert again.get_json() == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
        listed = body.get(f"/api/v1/sittings/{sid}/candidates").get_json()
        assert {c["name"] for c in listed} == {"王小明", "李小红", "赵大海"}
        subjects = {c["ticket_no"]: c["subjects"] for c in listed}
        assert subjects == {"R001": ["theory", "practical"], "R002": ["practical"],
                            "R003": ["theory", "practical"]}


def test_roster_xlsx(make_user, auth):
    make_user("body", "authority")
    body = auth.login("body")
    sid = new_sitting(body)["id"]
    book = Workbook()
    for row in ROSTER_ROWS:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    response = upload(body, sid, out.getvalue(), "名册.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3


def test_roster_with_any_bad_row_imports_nothing(make_user, auth):
    make_user("body", "authority")
    body = auth.login("body")
    sid = new_sitting(body)["id"]
    rows = [*ROSTER_ROWS, ("R004", "钱一", "310101199001011235", "theory"),
            ("R001", "孙二", id_number(14), "theory"),
            ("R005", "周三", id_number(15), "art")]
    response = upload(body, sid, csv_bytes(rows, "gb18030"), "roster.csv")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "roster_invalid"
    assert [(r["row"], r.get("field")) for r in error["rows"]] == [
        (5, "id_number"), (6, "ticket_no"), (7, "subjects")]
    assert body.get(f"/api/v1/sittings/{sid}/candidates").get_json() == []
    garbage = upload(body, sid, b"\x00\x01not a roster", "roster.xlsx")
    assert garbage.status_code == 422 and garbage.get_json()["error"]["rows"][0]["row"] == 0
    missing = body.post(f"/api/v1/sittings/{sid}/roster", data={},
                        content_type="multipart/form-data")
    assert missing.status_code == 422
    assert missing.get_json()["error"]["code"] == "file_required"
