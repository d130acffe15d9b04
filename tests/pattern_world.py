"""A seeded world for the patterns across sittings, built through the app's services: sittings
with rooms of a seat grid, candidates seated row by row (with a training body), invigilators,
reminders and incidents reported by invigilators and decided by a chief examiner.

Use it inside `with app.app_context():` and `commit()` before leaving; it keeps ids and ticket
numbers only, so the same world goes on in a later app context (requests of the test client must
not run inside the builder's context: they would share its session and `g`). Candidates are named
by their index in the sitting (seated row by row, room after room). Used by
tests/api/test_patterns.py and tests/browser/test_patterns_page.py."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

from helpers import PASSWORD

from proctor.idnumber import make_id_number

_numbers = itertools.count(1)


def fresh_id_number() -> str:
    n = next(_numbers)
    return make_id_number("310105", date(1980, 1, 1) + timedelta(days=n // 900), n % 900)


@dataclass
class SittingWorld:
    id: int
    room_ids: list[int]
    candidate_ids: list[int]  # seated row by row, room after room
    tickets: list[str]

    @property
    def sitting(self) -> Any:
        from proctor.extensions import db
        from proctor.models import Sitting

        return db.session.get(Sitting, self.id)

    def candidate(self, index: int) -> Any:
        from proctor.extensions import db
        from proctor.models import Candidate

        return db.session.get(Candidate, self.candidate_ids[index])


@dataclass
class PatternWorld:
    clients: itertools.count = field(default_factory=itertools.count)

    @staticmethod
    def user(name: str, role: str = "invigilator", display: str = "") -> Any:
        from proctor.services.accounts import create_user, find_user

        return find_user(name) or create_user(name, role, PASSWORD, display or name)

    def sitting(self, day: date, *, rooms: int = 1, rows: int = 5, cols: int = 6,
                candidates: int | None = None, bodies: list[str | None] | None = None,
                invigilators: list[list[str]] | None = None,
                people: list[tuple[str, str]] | None = None) -> SittingWorld:
        """A sitting on `day` with `rooms` rooms of rows × cols, filled row by row with
        `candidates` (every seat by default); `bodies[i]` is candidate i's training body,
        `people[i]` their (name, ID number) (fresh ones otherwise); `invigilators[r]` the
        usernames assigned to room r (inv-<room> by default)."""
        from proctor.extensions import db
        from proctor.services import sittings
        from proctor.services.floor import set_seat
        from proctor.services.people import register_candidate

        body = self.user("body", "authority", "评价机构")
        self.user("chief", "chief", "主考")
        sitting = sittings.create_sitting("人工智能训练师", 4, day, [
            ("theory", "理论知识", clock(9, 0), clock(10, 30)),
            ("practical", "操作技能", clock(13, 30), clock(15, 30))])
        sittings.assign_staff(sitting, "chief", "chief", None)
        made = [sittings.add_room(sitting, f"第{r + 1}考场", rows, cols, None)
                for r in range(rooms)]
        for r, room in enumerate(made):
            for name in (invigilators[r] if invigilators else [f"inv-{r + 1}"]):
                self.user(name, "invigilator", f"监考{name}")
                sittings.assign_staff(sitting, name, "invigilator", room.id)
        count = rooms * rows * cols if candidates is None else candidates
        seated: list[Any] = []
        for i in range(count):
            name, number = people[i] if people and i < len(people) else (
                f"考生{sitting.id}-{i + 1}", fresh_id_number())
            training = bodies[i] if bodies and i < len(bodies) else None
            candidate, _ = register_candidate(sitting, f"S{sitting.id:03d}-{i + 1:04d}", name,
                                              number, None, "group" if training else None,
                                              training)
            set_seat(sitting, candidate, made[i // (rows * cols)], i % (rows * cols) + 1, False,
                     body)
            seated.append(candidate)
        db.session.flush()
        return SittingWorld(sitting.id, [room.id for room in made], [c.id for c in seated],
                            [c.ticket_no for c in seated])

    def incident(self, world: SittingWorld, rule: str, candidates: list[int], *,
                 impostor: tuple[str, str] | None = None, subject: str | None = "theory",
                 reporter: str = "inv-1", decision: str | None = "confirm",
                 severity: str | None = None, observed_at: datetime | None = None) -> Any:
        """An incident of the candidates of these indexes (the first the principal, the others
        accomplices; with
        `impostor` (name, ID number), the impostor named by ID number as the tablet adds one),
        reported by `reporter` and then decided (`decision=None` leaves it reported)."""
        from proctor.services.incidents import Party, decide_incident, report_incident
        from proctor.services.sittings import subject_by_code

        parties = [Party("principal" if i == 0 else "accomplice", candidate=world.candidate(c))
                   for i, c in enumerate(candidates)]
        if impostor:
            parties.append(Party("impostor", name=impostor[0], id_number=impostor[1]))
        if rule.startswith("T3") and decision == "confirm":
            severity = severity or "minor"
        incident, _ = report_incident(
            world.sitting, client_id=f"pw-{next(self.clients)}", rule_code=rule,
            subject=subject_by_code(world.sitting, subject) if subject else None,
            observed_at=observed_at or self.during(world), description="见记录",
            parties=parties, severity=None, discovered_after_exam=False,
            who=self.user(reporter))
        if decision:
            decide_incident(incident, decision, severity if decision == "confirm" else None,
                            None, self.user("chief"))
        return int(incident.id)

    def reminder(self, world: SittingWorld, candidate: int, *, by: str = "inv-1",
                 rule: str = "T1.2") -> int:
        from proctor.services.floor import record_warning
        from proctor.services.sittings import subject_by_code

        warning, _ = record_warning(world.sitting, world.candidate(candidate),
                                    subject_by_code(world.sitting, "theory"), rule,
                                    self.during(world), None, f"pw-{next(self.clients)}",
                                    self.user(by))
        return int(warning.id)

    @staticmethod
    def during(world: SittingWorld) -> datetime:
        """A moment inside the sitting's theory subject (09:00–10:30 venue time)."""
        theory = world.sitting.subjects[0]
        return theory.starts_at.astimezone(UTC) + timedelta(minutes=20)

    @staticmethod
    def commit() -> None:
        from proctor.extensions import db

        db.session.commit()
