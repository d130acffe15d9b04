"""The tables of exam day, one module per group. Import from here."""

from proctor.models.accounts import ApiToken, Role, StaffAssignment, StaffRole, User, UserSession
from proctor.models.appeals import Notice, ReviewRequest
from proctor.models.audit import AuditEntry, AuditHead
from proctor.models.events import LiveEvent
from proctor.models.evidence import Acknowledgement, Addendum, Evidence, SeizedItem
from proctor.models.floor import (
    Attendance,
    CandidateWarning,
    RoomLogEntry,
    RoomRecordSignoff,
    SeatAssignment,
)
from proctor.models.incidents import Decision, Incident, IncidentParty
from proctor.models.people import Candidate, CandidateSubject, Person
from proctor.models.sanctions import BanRecord, CandidateSanction
from proctor.models.sittings import Room, Sitting, Subject

__all__ = [
    "Notice", "ReviewRequest",
    "Acknowledgement",
    "Addendum",
    "Evidence",
    "SeizedItem",
    "ApiToken",
    "Attendance",
    "AuditEntry",
    "AuditHead",
    "CandidateWarning",
    "BanRecord",
    "Candidate",
    "CandidateSanction",
    "CandidateSubject",
    "Decision",
    "Incident",
    "IncidentParty",
    "LiveEvent",
    "Person",
    "Role",
    "Room",
    "RoomLogEntry",
    "RoomRecordSignoff",
    "SeatAssignment",
    "Sitting",
    "StaffAssignment",
    "StaffRole",
    "Subject",
    "User",
    "UserSession",
]
