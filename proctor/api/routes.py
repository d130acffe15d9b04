"""The whole API: importing this module puts every view on the blueprint (each view module
registers its routes on `bp` as it is imported)."""

from __future__ import annotations

from proctor.api import (  # noqa: F401  (imported for the routes they register)
    account_views,
    analytics_views,
    appeal_views,
    auth_views,
    bp,
    case_file_views,
    closeout_views,
    conduct_views,
    deadline_views,
    due_process_views,
    evidence_views,
    floor_views,
    incident_views,
    movement_views,
    patrol_views,
    pattern_views,
    photo_views,
    registry_views,
    room_views,
    rules_views,
    seating_views,
    seized_views,
    sitting_views,
)

__all__ = ["bp"]
