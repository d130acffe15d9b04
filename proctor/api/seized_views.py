"""Seized items: what was taken, from whom, where it is kept, and its return (with a receipt)."""

from __future__ import annotations

from flask import url_for

from proctor.api import bp
from proctor.api.auth_views import ALL_ROLES
from proctor.api.evidence_views import WRITERS, _name
from proctor.api.schemas import ReturnIn, SeizedIn, SeizedListOut, SeizedOut
from proctor.api.spec import endpoint
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import Candidate, Person, SeizedItem
from proctor.services import access, audit, evidence, scope


def seized_out(row: SeizedItem) -> SeizedOut:
    person = db.session.get(Person, row.person_id)
    candidate = db.session.scalar(db.select(Candidate).where(
        Candidate.sitting_id == row.sitting_id, Candidate.person_id == row.person_id))
    return SeizedOut(id=row.id, incident_id=row.incident_id, sitting_id=row.sitting_id,
                     name=person.name if person else "", description=row.description,
                     ticket_no=candidate.ticket_no if candidate else None, kept_at=row.kept_at,
                     seized_by=_name(row.seized_by) or "", seized_at=row.seized_at,
                     returned_at=row.returned_at, returned_to=row.returned_to,
                     receipt_url=url_for("floor.seized_receipt", item_id=row.id))


@endpoint(bp, "POST", "/incidents/<id:iid>/seized", summary="Record an item taken away",
          tag="evidence", body=SeizedIn, responses={201: SeizedOut, 200: SeizedOut},
          roles=WRITERS)
def post_seized(iid: int, body: SeizedIn):  # type: ignore[no-untyped-def]
    """From the principal, or from the party named by `ticket_no` (a candidate the caller may
    see, and a party of this incident)."""
    incident, sitting = scope.incident_in_scope(iid)
    person_id = incident.parties[0].person_id
    if body.ticket_no:
        candidate = scope.candidate_in_scope(sitting, body.ticket_no, "ticket_no")
        if candidate.id not in {p.candidate_id for p in incident.parties}:
            raise ApiError(422, "not_a_party",
                           f"{body.ticket_no} is not a party of incident {incident.id}",
                           "ticket_no")
        person_id = candidate.person_id
    row, created = evidence.seize(incident, person_id, description=body.description,
                                  kept_at=body.kept_at, seized_at=body.seized_at,
                                  client_id=body.client_id, who=access.user())
    db.session.commit()
    return seized_out(row), 201 if created else 200


@endpoint(bp, "POST", "/seized/<id:item_id>/return", summary="Record the return of a seized item",
          tag="evidence", body=ReturnIn, responses={200: SeizedOut}, roles=WRITERS)
def post_return(item_id: int, body: ReturnIn) -> SeizedOut:
    row, _ = scope.seized_item_in_scope(item_id)
    if row.returned_at is not None:
        if row.returned_to == body.returned_to:
            return seized_out(row)
        raise ApiError(409, "already_returned", f"returned already to {row.returned_to}")
    row.returned_at, row.returned_to, row.returned_by = utcnow(), body.returned_to, \
        access.user().id
    audit.record("item_returned", "seized_item", row.id, returned_to=body.returned_to)
    db.session.commit()
    return seized_out(row)


@endpoint(bp, "GET", "/incidents/<id:iid>/seized", summary="Items seized in an incident",
          tag="evidence", responses={200: SeizedListOut}, roles=ALL_ROLES)
def list_seized(iid: int) -> SeizedListOut:
    incident, _ = scope.incident_in_scope(iid)
    return SeizedListOut([seized_out(row) for row in scope.rows_of_incident(SeizedItem, incident)])
