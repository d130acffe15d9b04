"""The close-out of a room record (考场情况记录表): the papers handed out and collected, and
the invigilators' explanation of each discrepancy, before they sign the record off."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.schemas import (
    CloseoutIn,
    CloseoutOut,
    DiscrepancyExplanationIn,
    DiscrepancyExplanationOut,
)
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import Role, Room, Subject, User
from proctor.services import access, closeout, scope


@endpoint(bp, "PUT", "/sittings/<id:sid>/rooms/<id:rid>/record/<subject>/closeout",
          summary="Enter the papers (or workpieces) handed out and collected at the end of "
                  "the subject", tag="floor", body=CloseoutIn, responses={200: CloseoutOut},
          roles=[Role.INVIGILATOR], errors=(409,), load=scope.room_subject())
def put_closeout(room: Room, subject: Subject, body: CloseoutIn) -> CloseoutOut:
    row, _ = closeout.record_closeout(room, subject, body.handed_out, body.collected,
                                      body.client_id, access.user())
    db.session.commit()
    return CloseoutOut.model_validate(
        {**closeout.state(room, subject), "id": row.id, "entry": closeout.figures(row)})


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/record/<subject>/explanations",
          summary="Explain one discrepancy of the room record", tag="floor",
          body=DiscrepancyExplanationIn,
          responses={201: DiscrepancyExplanationOut, 200: DiscrepancyExplanationOut},
          roles=[Role.INVIGILATOR], errors=(409,), load=scope.room_subject())
def post_explanation(room: Room, subject: Subject,
                     body: DiscrepancyExplanationIn):  # type: ignore[no-untyped-def]
    row, created = closeout.explain(room, subject, body.discrepancy, body.text,
                                    body.client_id, access.user())
    db.session.commit()
    now = closeout.state(room, subject)
    who = db.session.get(User, row.recorded_by)
    return DiscrepancyExplanationOut(
        id=row.id, subject=subject.code, discrepancy=row.discrepancy, text=row.text,
        recorded_by=who.username if who else None, recorded_at=row.recorded_at.isoformat(),
        discrepancies=now["discrepancies"], unexplained=now["unexplained"]), \
        201 if created else 200
