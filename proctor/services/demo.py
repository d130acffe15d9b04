"""Demo data: one realistic sitting on today's date, seeded once, with printed logins.

The demo follows the clock: its theory subject is under way whenever `make run` starts (it
started a quarter of an hour ago and lasts an hour and a half), the practical one follows
after a break. At a later start on a day or at an hour when no subject would be under way,
the demo sitting is moved to today and around now again (`retime_demo`).
"""

from __future__ import annotations

import json
import os
import random
import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app

from proctor.database import utcnow
from proctor.extensions import db
from proctor.idnumber import make_id_number
from proctor.models import Role, Sitting
from proctor.services import accounts, audit, sittings
from proctor.services.floor import set_seat
from proctor.services.people import register_candidate

OCCUPATION = "人工智能训练师"
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
REGIONS = ("310101", "310104", "310105", "310106", "310107", "310110", "310112", "310115")
STAFF = (
    ("inv1", "invigilator", "监考员 张明", "A"),
    ("inv2", "invigilator", "监考员 李华", "A"),
    ("inv3", "invigilator", "监考员 王芳", "B"),
    ("inv4", "invigilator", "监考员 陈静", "B"),
    ("chief", "chief", "主考 刘强", None),
    ("authority", "authority", "评价机构 周洁", None),
)
THEORY, BREAK, PRACTICAL = timedelta(minutes=90), timedelta(minutes=30), timedelta(minutes=120)
STARTED_AGO = timedelta(minutes=15)


def demo_times(now: datetime) -> tuple[date, list[tuple[str, str, time, time]]]:
    """The demo's day and subjects (venue time) so that theory is under way at `now`: it began
    STARTED_AGO before, rounded down to five minutes; practical follows a break, or comes
    first when the day would end before it (the subjects of a sitting share its day)."""
    local = now.astimezone(sittings.venue_zone()).replace(second=0, microsecond=0, tzinfo=None)
    day = local.date()
    first = datetime.combine(day, time(0, 5))
    last = datetime.combine(day, time(23, 55))
    start = max(first, local - STARTED_AGO)
    start -= timedelta(minutes=start.minute % 5)
    start = min(start, last - THEORY)
    theory = (start, start + THEORY)
    if theory[1] + BREAK + PRACTICAL <= last:
        practical = (theory[1] + BREAK, theory[1] + BREAK + PRACTICAL)
    else:
        practical = (theory[0] - BREAK - PRACTICAL, theory[0] - BREAK)
    return day, [("theory", "理论知识", theory[0].time(), theory[1].time()),
                 ("practical", "操作技能", practical[0].time(), practical[1].time())]


def _logins_file() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "demo-logins.json"


def seed_demo(candidates: int = 56, seed: int = 20250509) -> list[dict[str, str]]:
    """Seed the demo once; later calls only return the logins kept in the data folder."""
    path = _logins_file()
    if path.exists():
        return list(json.loads(path.read_text()))
    if accounts.find_user(STAFF[0][0]) is not None:
        # Seeded before, but the logins file is gone (another data folder): never reseed.
        return []
    rng = random.Random(seed)
    logins = [{"username": name, "role": role, "password": secrets.token_urlsafe(9)}
              for name, role, _, _ in STAFF]
    users = {login["username"]: accounts.create_user(login["username"], login["role"],
                                                     login["password"], display)
             for login, (_, _, display, _) in zip(logins, STAFF, strict=True)}
    today, subjects = demo_times(utcnow())
    sitting = sittings.create_sitting(OCCUPATION, 4, today, subjects)
    rooms = {"A": sittings.add_room(sitting, "第一考场", 5, 6, _demo_camera()),
             "B": sittings.add_room(sitting, "第二考场", 5, 6, None)}
    for name, role, _, room_key in STAFF:
        if role != Role.AUTHORITY:
            sittings.assign_staff(sitting, name, role, rooms[room_key].id if room_key else None)
    _register_candidates(sitting, rooms, candidates, rng, today, users["authority"])
    audit.record("demo_seeded", "sitting", sitting.id, actor="system", candidates=candidates)
    db.session.commit()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(logins, handle, ensure_ascii=False, indent=1)
    return logins


def _demo_camera() -> str:
    """A generated video file stands in for room A's camera, so snapshots work out of the box."""
    from proctor.camera import make_demo_video  # cv2, only to write the demo's video

    path = Path(current_app.config["DATA_DIR"]) / "demo-camera.avi"
    if not path.exists():
        make_demo_video(path, seconds=20)
    return str(path)


def _register_candidates(sitting: Sitting, rooms: dict, count: int, rng: random.Random,
                         today: date, seater) -> None:  # type: ignore[no-untyped-def]
    room_list = list(rooms.values())
    for index in range(count):
        birth = date(rng.randint(1970, 2004), rng.randint(1, 12), rng.randint(1, 28))
        number = make_id_number(rng.choice(REGIONS), birth, index)
        name = rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        retake = index % 9 == 8
        candidate, _ = register_candidate(
            sitting, f"{today:%y%m}04{index + 1:04d}", name, number,
            ["practical"] if retake else None,
            "group" if index % 3 else "individual", "上海某职业技能培训中心" if index % 3 else None)
        room = room_list[index % len(room_list)]
        set_seat(sitting, candidate, room, index // len(room_list) + 1, False, seater)


def retime_demo() -> Sitting | None:
    """At a later start: when no subject of the demo sitting is under way now, move it to today
    and its subjects around now (audited). Only the demo's own sitting, in its own data folder
    (the one with demo-logins.json), is ever moved."""
    if not _logins_file().exists():
        return None
    sitting = db.session.scalar(db.select(Sitting).where(Sitting.occupation == OCCUPATION)
                                .order_by(Sitting.id).limit(1))
    now = utcnow()
    if sitting is None or any(s.starts_at <= now < s.ends_at for s in sitting.subjects):
        return None
    day, subjects = demo_times(now)
    by_code = {code: (starts, ends) for code, _, starts, ends in subjects}
    sitting.date = day
    zone = sittings.venue_zone()
    for subject in sitting.subjects:
        starts, ends = by_code.get(subject.code, by_code["practical"])
        subject.starts_at = datetime.combine(day, starts, zone)
        subject.ends_at = datetime.combine(day, ends, zone)
    audit.record("demo_retimed", "sitting", sitting.id, actor="system", date=day.isoformat())
    db.session.commit()
    return sitting


def print_logins(logins: list[dict[str, str]], echo: Callable[[str], None]) -> None:
    if not logins:
        echo("The demo is seeded already, but demo-logins.json is not in this data folder: "
             "set passwords with `flask --app proctor users password NAME`.")
        return
    echo("Demo logins (kept in the data folder, demo-logins.json):")
    for login in logins:
        echo(f"  {login['role']:<12} {login['username']:<10} password: {login['password']}")
