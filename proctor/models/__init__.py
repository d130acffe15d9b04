"""The tables of exam day, one module per group. Import from here."""

from proctor.models.accounts import (
    EVERYONE,
    FLOOR_STAFF,
    MANAGERS,
    PATROLS,
    STAFF,
    THE_BODY,
    USERNAME_PATTERN,
    WRITERS,
    ApiToken,
    Role,
    StaffAssignment,
    StaffRole,
    User,
    UserSession,
)
from proctor.models.appeals import LetterKind, Notice, ReviewRequest, ReviewStatus
from proctor.models.audit import AuditEntry, AuditHead
from proctor.models.candidate_links import CandidateLink
from proctor.models.closeout import DiscrepancyExplanation, RoomCloseout
from proctor.models.conduct import ConductFile, ConductNotice, ConductRecord, ConductStatus
from proctor.models.due_process import (
    PreNotice,
    PreNoticeService,
    ServiceMethod,
    Statement,
    StatementFile,
    StatementKind,
)
from proctor.models.events import LiveEvent
from proctor.models.evidence import (
    Acknowledgement,
    AcknowledgementKind,
    Addendum,
    Evidence,
    SeizedItem,
)
from proctor.models.floor import (
    Attendance,
    AttendanceStatus,
    CandidateWarning,
    RoomLogEntry,
    RoomRecordSignoff,
    SeatAssignment,
    WarningOutcome,
)
from proctor.models.incidents import Decision, DecisionKind, Incident, IncidentParty
from proctor.models.movements import Movement, MovementKind, MovementReason
from proctor.models.patrol import (
    FlagOutcome,
    PatrolFlag,
    PatrolFlagPhoto,
    PatrolRecordSignoff,
    PatrolVisit,
)
from proctor.models.people import Candidate, CandidateSubject, Person
from proctor.models.photos import CheckinPhoto, PhotoCheck, RegistrationPhoto
from proctor.models.sanctions import BanRecord, CandidateSanction
from proctor.models.sittings import Room, Sitting, Subject

__all__ = [
    "CheckinPhoto", "PhotoCheck", "RegistrationPhoto",
    "CandidateLink",
    "DiscrepancyExplanation", "RoomCloseout",
    "ConductFile", "ConductNotice", "ConductRecord", "ConductStatus",
    "FlagOutcome", "PatrolFlag", "PatrolFlagPhoto", "PatrolRecordSignoff", "PatrolVisit",
    "PATROLS", "STAFF",
    "EVERYONE",
    "FLOOR_STAFF",
    "MANAGERS",
    "THE_BODY",
    "USERNAME_PATTERN",
    "WRITERS",
    "AttendanceStatus",
    "DecisionKind",
    "LetterKind", "Notice", "ReviewRequest",
    "PreNotice", "PreNoticeService", "ServiceMethod", "Statement", "StatementFile",
    "StatementKind",
    "ReviewStatus",
    "Acknowledgement",
    "AcknowledgementKind",
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
    "Movement", "MovementKind", "MovementReason",
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
    "WarningOutcome",
]
