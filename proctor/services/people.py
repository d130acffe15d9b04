"""Persons and candidates: registration, seats and attendance."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.idnumber import IdNumberError, normalize_id_number
from proctor.models import Candidate, CandidateSubject, Person, Sitting
from proctor.services import audit
from proctor.services.sittings import subject_by_code


def valid_id_number(raw: str, field: str = "id_number") -> str:
    try:
        return normalize_id_number(raw)
    except IdNumberError as exc:
        raise ApiError(422, "invalid_id_number", str(exc), field) from None


def person_for(id_number: str, name: str) -> Person:
    """The person with this (normalised) ID number, created on first sight."""
    person = db.session.scalar(db.select(Person).where(Person.id_type == "resident_id",
                                                       Person.id_number == id_number))
    if person is None:
        person = Person(id_number=id_number, name=name)
        db.session.add(person)
        db.session.flush()
    return person


_BY_TICKET = (db.select(Candidate).options(joinedload(Candidate.seat))
              .where(Candidate.sitting_id == bindparam("sitting_id"),
                     Candidate.ticket_no == bindparam("ticket_no")))


def candidate_by_ticket(sitting: Sitting, ticket_no: str, field: str = "ticket_no") -> Candidate:
    # With its seat (most callers ask where the candidate sits next).
    candidate = db.session.scalar(_BY_TICKET, {"sitting_id": sitting.id, "ticket_no": ticket_no})
    if candidate is None:
        raise ApiError(404 if field == "path" else 422, "unknown_ticket_no",
                       f"sitting {sitting.id} has no candidate with ticket {ticket_no!r}",
                       None if field == "path" else field)
    return candidate


def subject_codes(candidate: Candidate, sitting: Sitting) -> list[str]:
    by_id = {s.id: s.code for s in sitting.subjects}
    return [by_id[link.subject_id] for link in candidate.subject_links if link.subject_id in by_id]


def register_candidate(sitting: Sitting, ticket_no: str, name: str, id_number: str,
                       subjects: Sequence[str] | None, application: str | None = None,
                       training_body: str | None = None) -> tuple[Candidate, str]:
    """Create or update a candidate; returns it with 'created', 'updated' or 'unchanged'."""
    number = valid_id_number(id_number)
    wanted = [subject_by_code(sitting, code, "subjects") for code in subjects] if subjects \
        else list(sitting.subjects)
    person = person_for(number, name)
    candidate = db.session.scalar(db.select(Candidate).where(
        Candidate.sitting_id == sitting.id, Candidate.ticket_no == ticket_no))
    other = db.session.scalar(db.select(Candidate).where(
        Candidate.sitting_id == sitting.id, Candidate.person_id == person.id))
    if other is not None and other is not candidate:
        raise ApiError(409, "person_already_registered",
                       f"this ID number is registered with ticket {other.ticket_no}", "id_number")
    if candidate is None:
        candidate = Candidate(sitting_id=sitting.id, person_id=person.id, ticket_no=ticket_no,
                              application=application, training_body=training_body)
        candidate.subject_links = [CandidateSubject(subject_id=s.id) for s in wanted]
        db.session.add(candidate)
        db.session.flush()
        audit.record("candidate_registered", "candidate", candidate.id, sitting_id=sitting.id,
                     ticket_no=ticket_no, person_id=person.id, subjects=[s.code for s in wanted])
        return candidate, "created"
    return candidate, _update_candidate(candidate, person, wanted, application, training_body)


def _update_candidate(candidate: Candidate, person: Person, wanted: list, application: str | None,
                      training_body: str | None) -> str:
    before = (candidate.person_id, sorted(link.subject_id for link in candidate.subject_links),
              candidate.application, candidate.training_body)
    after = (person.id, sorted(s.id for s in wanted), application, training_body)
    if before == after:
        return "unchanged"
    candidate.person_id = person.id
    if before[1] != after[1]:
        candidate.subject_links = [CandidateSubject(subject_id=s.id) for s in wanted]
    candidate.application, candidate.training_body = application, training_body
    db.session.flush()
    audit.record("candidate_updated", "candidate", candidate.id, ticket_no=candidate.ticket_no,
                 person_id=person.id, subjects=[s.code for s in wanted])
    return "updated"
