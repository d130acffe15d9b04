"""Fair seating (考场编排): the evaluation body seats a whole sitting by a seeded plan."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.schemas import SeatingIn, SeatingOut
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import THE_BODY, Sitting
from proctor.services import access, scope
from proctor.services.seating import arrange_sitting


@endpoint(bp, "POST", "/sittings/<id:sid>/seating",
          summary="Seat every candidate of the sitting by a seeded plan (考场编排)",
          tag="sittings", body=SeatingIn, responses={200: SeatingOut}, roles=THE_BODY,
          errors=(409, 422), load=scope.sitting(manage=True))
def post_seating(sitting: Sitting, body: SeatingIn) -> SeatingOut:
    """Replaces every seat assignment of the sitting in one transaction (dry_run: none), and
    lists each pair of one training body left side by side; 409 `check_in_started` once any
    check-in is recorded, 422 `not_enough_seats` with the numbers."""
    answer = arrange_sitting(sitting, strategy=body.strategy, separate_by=body.separate_by,
                             seed=body.seed, dry_run=body.dry_run, who=access.user())
    if body.dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return SeatingOut.model_validate(answer)
