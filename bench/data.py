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
