"""The identity check (人证核验) against its targets: the import of 2 000 registration photos in
one ZIP (target < 60 s) and the check of one candidate at the door, server side — the photo's
intake, the face detection in it and in the registration photo, and both crops (target < 2 s a
candidate, the slowest of them).

Builds a sitting of 2 000 candidates in a temporary SQLite database (the app's migrations, then
its services), makes 2 000 different portraits from scikit-image's astronaut (shifted, scaled,
lighter or darker; the photo ships in scikit-image's wheel), imports them through
`POST /api/v1/sittings/{sid}/photos` (a dry run, then the import) and posts door photos of
candidates, 1920×1440 and 4032×3024 (a tablet's camera), through
`POST /api/v1/sittings/{sid}/candidates/{ticket}/checkin-photos`, each timed end to end through
the WSGI app. `--photos N`, `--checks N`; `--help`.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import zipfile
from datetime import time as clock
from pathlib import Path

import cv2
import numpy as np

from bench.app import bench_app, migrate

IMPORT_TARGET_S = 60.0
CHECK_TARGET_S = 2.0
PASSWORD = "bench password 1"


def astronaut() -> np.ndarray:
    from skimage import data as samples

    return cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR)


def portrait(base: np.ndarray, index: int, size: tuple[int, int] = (358, 441)) -> np.ndarray:
    """The index-th portrait: the astronaut shifted, scaled, lighter or darker, at `size`."""
    rng = np.random.default_rng(index)
    scale = 0.85 + 0.3 * rng.random()
    dx, dy = (int(v) for v in rng.integers(-20, 21, 2))
    matrix = np.float32([[scale, 0, dx + (1 - scale) * 256], [0, scale, dy + (1 - scale) * 256]])
    moved = cv2.warpAffine(base, matrix, (512, 512), borderMode=cv2.BORDER_REPLICATE)
    lit = cv2.convertScaleAbs(moved, alpha=0.8 + 0.4 * rng.random(),
                              beta=float(rng.integers(-25, 26)))
    return cv2.resize(lit[0:340, 90:366], size, interpolation=cv2.INTER_AREA)


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def door_photo(base: np.ndarray, index: int, size: tuple[int, int]) -> bytes:
    """A tablet's photo at the door: the candidate's head and shoulders filling the frame."""
    rng = np.random.default_rng(10_000 + index)
    lit = cv2.convertScaleAbs(base[0:360, 32:512], alpha=0.9 + 0.2 * rng.random(),
                              beta=float(rng.integers(-10, 11)))
    return jpeg(cv2.resize(lit, size, interpolation=cv2.INTER_CUBIC), 92)


def build(folder: Path, count: int):  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services import sittings
    from proctor.services.accounts import create_user

    app = bench_app(folder)
    with app.app_context():
        migrate(app)
        create_user("body", "authority", PASSWORD)
        create_user("chief", "chief", PASSWORD)
        sitting = sittings.create_sitting("人工智能训练师", 4, sittings.venue_today(), [
            ("theory", "理论知识", clock(0, 0), clock(23, 59))])
        sittings.assign_staff(sitting, "chief", "chief", None)
        rooms = [sittings.add_room(sitting, f"第{r + 1}考场", 5, 6, None)
                 for r in range((count + 29) // 30)]
        tickets = _candidates(sitting, rooms, count)
        db.session.commit()
        sid = sitting.id
        db.engine.dispose()
    return app, sid, tickets


def _candidates(sitting, rooms, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Persons, candidates, their subject and seats in bulk (Core executemany)."""
    from datetime import date, timedelta

    from sqlalchemy import insert

    from proctor.database import utcnow
    from proctor.extensions import db
    from proctor.idnumber import make_id_number
    from proctor.models import Candidate, CandidateSubject, Person, SeatAssignment

    connection, now = db.session.connection(), utcnow()
    people = [{"id_type": "resident_id", "name": f"考生{i + 1}", "created_at": now,
               "id_number": make_id_number("310101", date(1990, 1, 1) + timedelta(days=i // 900),
                                           i % 900)} for i in range(count)]
    person_ids = connection.execute(insert(Person.__table__).returning(
        Person.__table__.c.id, sort_by_parameter_order=True), people).scalars().all()
    tickets = [f"B{i + 1:05d}" for i in range(count)]
    candidate_ids = connection.execute(insert(Candidate.__table__).returning(
        Candidate.__table__.c.id, sort_by_parameter_order=True), [
        {"sitting_id": sitting.id, "person_id": p, "ticket_no": t, "created_at": now}
        for p, t in zip(person_ids, tickets, strict=True)]).scalars().all()
    subject = sitting.subjects[0].id
    connection.execute(insert(CandidateSubject.__table__), [
        {"candidate_id": c, "subject_id": subject} for c in candidate_ids])
    connection.execute(insert(SeatAssignment.__table__), [
        {"candidate_id": c, "room_id": rooms[i // 30].id, "seat_no": i % 30 + 1,
         "assigned_at": now} for i, c in enumerate(candidate_ids)])
    return tickets


def login(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    return client, {"X-CSRFToken": answer.get_json()["csrf_token"]}


def time_import(app, sid: int, content: bytes, count: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    client, headers = login(app, "body")
    timings = []
    for dry_run in (True, False):
        started = time.perf_counter()
        answer = client.post(f"/api/v1/sittings/{sid}/photos{'?dry_run=true' if dry_run else ''}",
                             data={"file": (io.BytesIO(content), "photos.zip")},
                             headers=headers, content_type="multipart/form-data")
        timings.append(time.perf_counter() - started)
        result = answer.get_json()
        assert answer.status_code == 200 and result["matched"] == count, result
        assert result["unmatched"] == [] and result["errors"] == [], result
    return timings[0], timings[1]


def time_checks(app, sid: int, tickets: list[str], base: np.ndarray, size: tuple[int, int],
                checks: int) -> list[float]:  # type: ignore[no-untyped-def]
    client, headers = login(app, "chief")
    times = []
    for i in range(checks):
        data = door_photo(base, i, size)
        ticket = tickets[(i * 37) % len(tickets)]
        started = time.perf_counter()
        answer = client.post(f"/api/v1/sittings/{sid}/candidates/{ticket}/checkin-photos",
                             data={"file": (io.BytesIO(data), "door.jpg"),
                                   "client_id": f"bench-{size[0]}-{i}"},
                             headers=headers, content_type="multipart/form-data")
        times.append(time.perf_counter() - started)
        result = answer.get_json()
        assert answer.status_code == 201, result
        assert result["checkin"]["faces"] == 1 and result["registration"]["faces"] == 1, result
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=2000, help="candidates and photos (2000)")
    parser.add_argument("--checks", type=int, default=20, help="door checks per size (20)")
    args = parser.parse_args(argv)
    base = astronaut()
    with tempfile.TemporaryDirectory(prefix="bench-identity-") as temp:
        started = time.perf_counter()
        app, sid, tickets = build(Path(temp), args.photos)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for i, ticket in enumerate(tickets):
                archive.writestr(f"{ticket}.jpg", jpeg(portrait(base, i)))
        content = buffer.getvalue()
        print(f"{args.photos} candidates and their photos built in "
              f"{time.perf_counter() - started:.1f} s; ZIP {len(content) / 1e6:.1f} MB")
        dry, real = time_import(app, sid, content, args.photos)
        print(f"import of {args.photos} photos (358×441 JPEG) in one ZIP:")
        print(f"  dry run {dry:6.1f} s   import {real:6.1f} s   "
              f"({real / args.photos * 1000:.1f} ms a photo; target < {IMPORT_TARGET_S:.0f} s)")
        worst = 0.0
        for size in ((1920, 1440), (4032, 3024)):
            times = time_checks(app, sid, tickets, base, size, args.checks)
            worst = max(worst, max(times))
            print(f"identity check, door photo {size[0]}×{size[1]} JPEG "
                  f"({len(door_photo(base, 0, size)) // 1024} KiB), {args.checks} candidates:")
            print(f"  median {statistics.median(times) * 1000:6.0f} ms   "
                  f"max {max(times) * 1000:6.0f} ms   (target < {CHECK_TARGET_S * 1000:.0f} ms)")
        with app.app_context():
            from proctor.extensions import db

            db.engine.dispose()
    ok = real < IMPORT_TARGET_S and worst < CHECK_TARGET_S
    print("targets:", "ok" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
