"""Seized items: what was taken, from whom, where it is kept, and its return (with a receipt)."""

from __future__ import annotations

from flask import url_for

from proctor.api import bp
from proctor.api.schemas import ReturnIn, SeizedIn, SeizedListOut, SeizedOut
from proctor.api.spec import endpoint
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import EVERYONE, WRITERS, Incident, SeizedItem, Sitting
from proctor.services import access, evidence, scope
from proctor.services.accounts import username_of
from proctor.services.people import candidate_of_person


def seized_out(row: SeizedItem) -> SeizedOut:
    candidate = candidate_of_person(row.sitting_id, row.person_id)
    return SeizedOut(id=row.id, incident_id=row.incident_id, sitting_id=row.sitting_id,
                     name=row.person.name, description=row.description,
                     ticket_no=candidate.ticket_no if candidate else None, kept_at=row.kept_at,
                     seized_by=username_of(row.seized_by) or "", seized_at=row.seized_at,
                     returned_at=row.returned_at, returned_to=row.returned_to,
                     receipt_url=url_for("floor.seized_receipt", item_id=row.id))


@endpoint(bp, "POST", "/incidents/<id:iid>/seized", summary="Record an item taken away",
          tag="evidence", body=SeizedIn, responses={201: SeizedOut, 200: SeizedOut},
          roles=WRITERS, load=scope.incident())
def post_seized(incident: Incident, sitting: Sitting,
                body: SeizedIn):  # type: ignore[no-untyped-def]
    """From the principal, or from the party named by `ticket_no` (a candidate the caller may
    see, and a party of this incident)."""
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
          tag="evidence", body=ReturnIn, responses={200: SeizedOut}, roles=WRITERS,
          load=scope.seized_item())
def post_return(item: SeizedItem, body: ReturnIn) -> SeizedOut:
    evidence.return_item(item, body.returned_to, access.user())
    db.session.commit()
    return seized_out(item)


@endpoint(bp, "GET", "/incidents/<id:iid>/seized", summary="Items seized in an incident",
          tag="evidence", responses={200: SeizedListOut}, roles=EVERYONE, load=scope.incident())
def list_seized(incident: Incident) -> SeizedListOut:
    return SeizedListOut([seized_out(row) for row in scope.rows_of_incident(SeizedItem, incident)])
