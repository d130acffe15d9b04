"""Persons and candidates: registration, seats and attendance."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from incidents import IncidentStatus
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.idnumber import IdNumberError, normalize_id_number
from proctor.models import (
    Acknowledgement,
    Candidate,
    CandidateSubject,
    Incident,
    IncidentParty,
    Notice,
    Person,
    SeizedItem,
    Sitting,
)
from proctor.services import audit
from proctor.services.sanctions import recompute_person
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


def candidate_of_person(sitting_id: int, person_id: int) -> Candidate | None:
    """The person's ticket in a sitting (a party named by ID number may hold none)."""
    return db.session.scalar(db.select(Candidate).where(Candidate.sitting_id == sitting_id,
                                                        Candidate.person_id == person_id))


def subject_codes(candidate: Candidate, sitting: Sitting) -> list[str]:
    by_id = {s.id: s.code for s in sitting.subjects}
    return [by_id[link.subject_id] for link in candidate.subject_links if link.subject_id in by_id]


def register_candidate(sitting: Sitting, ticket_no: str, name: str, id_number: str,
                       subjects: Sequence[str] | None, application: str | None = None,
                       training_body: str | None = None) -> tuple[Candidate, str]:
    """Create or update a candidate; returns it with 'created', 'updated' or 'unchanged'.

    A ticket's person never changes here: an existing ticket with another ID number is 409
    `ticket_taken` (a correction is `correct_identity`, explicit, reasoned and audited)."""
    number = valid_id_number(id_number)
    wanted = [subject_by_code(sitting, code, "subjects") for code in subjects] if subjects \
        else list(sitting.subjects)
    candidate = db.session.scalar(db.select(Candidate).where(
        Candidate.sitting_id == sitting.id, Candidate.ticket_no == ticket_no))
    if candidate is not None and candidate.person.id_number != number:
        raise ApiError(409, "ticket_taken",
                       f"ticket {ticket_no} belongs to another person; a wrong ID number is "
                       f"corrected through the ticket's identity correction", "id_number")
    person = candidate.person if candidate is not None else person_for(number, name)
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
    return candidate, _update_candidate(candidate, wanted, application, training_body)


def _update_candidate(candidate: Candidate, wanted: list, application: str | None,
                      training_body: str | None) -> str:
    before = (sorted(link.subject_id for link in candidate.subject_links),
              candidate.application, candidate.training_body)
    after = (sorted(s.id for s in wanted), application, training_body)
    if before == after:
        return "unchanged"
    if before[0] != after[0]:
        candidate.subject_links = [CandidateSubject(subject_id=s.id) for s in wanted]
    candidate.application, candidate.training_body = application, training_body
    db.session.flush()
    audit.record("candidate_updated", "candidate", candidate.id, ticket_no=candidate.ticket_no,
                 person_id=candidate.person_id, subjects=[s.code for s in wanted])
    return "updated"


def correct_identity(sitting: Sitting, candidate: Candidate, id_number: str, name: str,
                     reason: str) -> bool:
    """The evaluation body corrects who holds a ticket (a wrong ID number at registration).

    What keeps every record pointing at the right person: the records of a ticket were made
    about whoever sat in its seat, so while none of them is decided or signed (every incident
    naming the ticket is still `reported`, with no signature, refusal or notice) they move with
    the ticket: the parties and the seized items of this sitting go to the corrected person,
    and both persons' sanctions are recomputed. Once one is decided or signed, its record (and
    the hash the decider countersigned) names its person for good: 409 `ticket_has_records`;
    such a record is put right through review. Returns whether anything changed."""
    number = valid_id_number(id_number)
    before = candidate.person
    if before.id_number == number:
        if before.name == name:
            return False  # a retry
        raise ApiError(422, "same_person", "The ticket already has this ID number: a name is "
                       "not corrected here.", "id_number")
    after = db.session.scalar(db.select(Person).where(Person.id_type == "resident_id",
                                                      Person.id_number == number))
    if after is not None and after.name != name:
        raise ApiError(422, "name_mismatch",
                       "This ID number belongs to a person registered under another name.", "name")
    if after is not None:
        other = candidate_of_person(sitting.id, after.id)
        if other is not None:
            raise ApiError(409, "person_already_registered",
                           f"this ID number is registered with ticket {other.ticket_no}",
                           "id_number")
    parties = list(db.session.scalars(db.select(IncidentParty).where(
        IncidentParty.candidate_id == candidate.id)))
    ids = sorted({p.incident_id for p in parties})
    locked = sorted(set(db.session.scalars(db.select(Incident.id).where(
        Incident.id.in_(ids), Incident.status != IncidentStatus.REPORTED)))
        | set(db.session.scalars(db.select(Acknowledgement.incident_id).where(
            Acknowledgement.incident_id.in_(ids))))
        | set(db.session.scalars(db.select(Notice.incident_id).where(
            Notice.candidate_id == candidate.id))))
    if locked:
        raise ApiError(409, "ticket_has_records",
                       f"incident(s) {', '.join(map(str, locked))} of ticket "
                       f"{candidate.ticket_no} are decided or signed and name their person for "
                       f"good; put them right through review", "ticket_no")
    after = after or person_for(number, name)
    taken = db.session.scalar(db.select(IncidentParty.incident_id).where(
        IncidentParty.incident_id.in_(ids), IncidentParty.person_id == after.id))
    if taken is not None:
        raise ApiError(409, "ticket_has_records",
                       f"incident {taken} names this person already", "id_number")
    items = list(db.session.scalars(db.select(SeizedItem).where(
        SeizedItem.sitting_id == sitting.id, SeizedItem.person_id == before.id)))
    for row in [*parties, *items]:
        row.person_id = after.id
    candidate.person_id = after.id
    db.session.flush()
    db.session.expire(candidate, ["person"])
    recompute_person(before.id)
    recompute_person(after.id)
    audit.record("candidate_identity_corrected", "candidate", candidate.id,
                 sitting_id=sitting.id, ticket_no=candidate.ticket_no, person_before=before.id,
                 person_after=after.id, reason=reason, incidents=ids,
                 seized_items=[item.id for item in items])
    return True
