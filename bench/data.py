"""Many bans, fast: persons and bans inserted in bulk (executemany), for the benchmark and the
streaming tests. Call inside an app context; the caller commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from proctor.extensions import db
from proctor.idnumber import make_id_number
from proctor.models import BanRecord, Person

AS_OF = date(2026, 1, 1)  # every ban made here is in force on this date
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
BATCH = 5000
persons, bans_table = Person.__table__, BanRecord.__table__


def person_number(index: int) -> str:
    """A distinct, check-digit-valid ID number for each index (up to 9 999 999)."""
    birth = date(1960, 1, 1) + timedelta(days=index // 1000)
    return make_id_number("310101", birth, index % 1000)


def insert_bans(count: int, start: int = 0) -> None:
    """Persons start … start+count-1, one ban each, all in force on AS_OF."""
    for first in range(start, start + count, BATCH):
        indexes = range(first, min(first + BATCH, start + count))
        people = [{"id_type": "resident_id", "id_number": person_number(i),
                   "name": FAMILY[i % len(FAMILY)] + GIVEN[i % len(GIVEN)]
                   + ("" if i % 3 else GIVEN[(i // 7) % len(GIVEN)])} for i in indexes]
        connection = db.session.connection()  # Core executemany: no ORM bookkeeping
        ids = connection.execute(insert(persons).returning(persons.c.id,
                                                           sort_by_parameter_order=True),
                                 people).scalars().all()
        bans = []
        for i, person_id in zip(indexes, ids, strict=True):
            serious = i % 4 == 0
            bans.append({
                "person_id": person_id,
                "starts_on": date(2025, 1, 1) + timedelta(days=i % 300),
                "until": date(2030 if serious else 2026, 6, 30),
                "tier": 3 if serious else 2,
                "rule_codes": "T3.2 T3.4" if serious else "T2.1",
                "referral": serious,
                "incident_ids": [i + 1] + ([i + 2] if i % 5 == 0 else []),
                "sitting_ids": [1 + i % 50],
            })
        connection.execute(insert(bans_table), bans)


# -- a registry of a million bans, straight through sqlite3 ----------------------------------
# Who is who, by person index i (0 … persons-1; the ID number is person_number(i)):
#   i % 10 in 0-5  a ban in force on AS_OF           6-7  a ban that ended before AS_OF
#              8   a ban that starts after AS_OF       9  a ban whose last day is AS_OF
#   i % 4 == 0     also an older, expired ban;  i % 20 == 0  a third one, older still
#   i % 17 == 0    an impostor: no candidate row at the ban's sitting (no ticket number)
# person_number(i) for i >= persons is a valid ID number nobody in the registry has.
REGISTRY_SITTINGS = 50
_STAMP = "2025-12-01 08:00:00.000000"  # created_at / computed_at (naive UTC, as SQLite keeps it)


def registry_persons(bans: int) -> int:
    """How many persons carry `bans` bans in the layout above (1.3 bans a person)."""
    return max(1, round(bans / 1.3))


def ban_state(i: int) -> str:
    """What person i's latest ban is on AS_OF: in_force, expired, future or last_day."""
    kind = i % 10
    return ("in_force" if kind <= 5 else "expired" if kind <= 7 else
            "future" if kind == 8 else "last_day")


def _bans_of_person(i: int) -> list[tuple[date, date]]:
    day = AS_OF.toordinal()
    kind = ban_state(i)
    offset = i % 300
    latest = {
        "in_force": (day - 30 - offset, day + 200 + offset * 3),
        "expired": (day - 900 - offset, day - 1 - offset),
        "future": (day + 1 + offset, day + 400 + offset),
        "last_day": (day - 364, day),
    }[kind]
    periods = [latest]
    if i % 4 == 0:
        periods.append((day - 2000 - offset, day - 1500 - offset))
    if i % 20 == 0:
        periods.append((day - 3000 - offset, day - 2600 - offset))
    return [(date.fromordinal(a), date.fromordinal(b)) for a, b in periods]


def fill_registry(path: str, bans: int) -> int:
    """Fill the migrated SQLite database at `path` with about `bans` bans (the layout above),
    their persons, REGISTRY_SITTINGS sittings and the candidates the bans' tickets come from,
    through the sqlite3 module (executemany, one transaction). Returns the number of persons.
    Runs ANALYZE at the end, as the app's migration does."""
    import json
    import sqlite3

    persons = registry_persons(bans)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -400000")  # 400 MB: the indexes stay in memory
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO sittings (id, occupation, level, date, event_seq, created_at) "
            "VALUES (?, ?, ?, ?, 0, ?)",
            [(s, "电工", 1 + s % 5, date.fromordinal(AS_OF.toordinal() - 30 * s).isoformat(),
              _STAMP) for s in range(1, REGISTRY_SITTINGS + 1)])
        ban_id = incident = 0
        for first in range(0, persons, BATCH):
            people, candidates, rows = [], [], []
            for i in range(first, min(first + BATCH, persons)):
                person_id = i + 1
                name = (FAMILY[i % len(FAMILY)] + GIVEN[i % len(GIVEN)]
                        + ("" if i % 3 else GIVEN[(i // 7) % len(GIVEN)]))
                people.append((person_id, "resident_id", person_number(i), name, _STAMP))
                for n, (starts, until) in enumerate(_bans_of_person(i)):
                    ban_id += 1
                    incident += 1
                    sitting = 1 + (i + n * 7) % REGISTRY_SITTINGS
                    serious = i % 4 == 1
                    incidents = [incident] + ([incident + 1] if i % 5 == 0 else [])
                    incident += len(incidents) - 1
                    rows.append((ban_id, person_id, starts.isoformat(), until.isoformat(),
                                 3 if serious else 2, "T3.2 T3.4" if serious else "T2.1",
                                 int(serious), json.dumps(incidents), json.dumps([sitting]),
                                 sitting, _STAMP))
                    if i % 17:
                        candidates.append((sitting, person_id, f"{sitting:03d}{i:09d}", _STAMP))
            conn.executemany("INSERT INTO persons (id, id_type, id_number, name, created_at) "
                             "VALUES (?, ?, ?, ?, ?)", people)
            conn.executemany("INSERT INTO candidates (sitting_id, person_id, ticket_no, "
                             "created_at) VALUES (?, ?, ?, ?)", candidates)
            conn.executemany(
                "INSERT INTO bans (id, person_id, starts_on, until, tier, rule_codes, referral, "
                "incident_ids, sitting_ids, sitting_id, computed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return persons
