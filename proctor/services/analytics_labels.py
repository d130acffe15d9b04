"""The names of the analytics groups, in Chinese and English: a rule by its code and title, a
tier, a room and a sitting by their date, a training body, an invigilator, an hour."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, select

import incidents as rules
from proctor.extensions import db
from proctor.models import Room, Sitting, User

Key = str | int | None
Names = dict[Key, tuple[str, str]]
TIER_NAMES = {0: ("申报违规", "Application"), 1: ("一类违纪", "Tier 1"),
              2: ("二类违纪", "Tier 2"), 3: ("三类违纪", "Tier 3")}


def group_names(group_by: str, keys: Iterable[Key],
                in_period: list[ColumnElement[bool]]) -> Names:
    """(zh, en) for each key of a grouping; `in_period` limits the sittings and rooms read (one
    statement at most, never an IN list of hundreds of ids)."""
    namer: Any = _NAMERS[group_by]
    return namer(list(keys), in_period)  # type: ignore[no-any-return]


def _rule(keys: list[Key], _: Any) -> Names:
    book = rules.default_rulebook().rules
    return {key: (f"{key} {book[key].title.zh}", f"{key} {book[key].title.en}")
            for key in keys if isinstance(key, str) and key in book}


def _tier(keys: list[Key], _: Any) -> Names:
    return {key: TIER_NAMES[key] for key in keys if isinstance(key, int) and key in TIER_NAMES}


def _hour(keys: list[Key], _: Any) -> Names:
    return {key: (f"{key:02d}:00–{key:02d}:59",) * 2 for key in keys if isinstance(key, int)}


def _training_body(keys: list[Key], _: Any) -> Names:
    return {**{key: (str(key), str(key)) for key in keys},
            None: ("无培训机构（个人报名）", "No training body (individual)")}


def _sitting(_: list[Key], in_period: list[ColumnElement[bool]]) -> Names:
    found = db.session.execute(select(Sitting.id, Sitting.date, Sitting.occupation,
                                      Sitting.level).where(*in_period))
    return {sid: (f"{day.isoformat()} {occupation} {level}级",
                  f"{day.isoformat()} {occupation} level {level}")
            for sid, day, occupation, level in found}


def _room(_: list[Key], in_period: list[ColumnElement[bool]]) -> Names:
    found = db.session.execute(select(Room.id, Room.name, Sitting.date)
                               .join(Sitting, Room.sitting_id == Sitting.id).where(*in_period))
    return {**{rid: (f"{day.isoformat()} {name}",) * 2 for rid, name, day in found},
            None: ("未安排考场", "No room")}


def _invigilator(keys: list[Key], _: Any) -> Names:
    found = db.session.execute(select(User.id, User.username, User.display_name)
                               .where(User.id.in_(keys)))
    return {uid: ((f"{shown}（{name}）" if shown else name),
                  (f"{shown} ({name})" if shown else name))
            for uid, name, shown in found}


_NAMERS = {"rule": _rule, "tier": _tier, "hour": _hour, "training_body": _training_body,
           "sitting": _sitting, "room": _room, "invigilator": _invigilator}
