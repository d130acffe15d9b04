"""Staff accounts, their server-side sessions, API tokens and sitting assignments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class Role(StrEnum):
    INVIGILATOR = "invigilator"
    CHIEF = "chief"
    AUTHORITY = "authority"
    PATROL = "patrol"  # 巡考: sees every room of its sittings read-only, raises flags


# Who may call a route or open a screen (the API's `roles=`, the page blueprints' guards).
EVERYONE = frozenset(Role)
FLOOR_STAFF = frozenset({Role.INVIGILATOR, Role.CHIEF})  # the floor of a room on exam day
MANAGERS = frozenset({Role.CHIEF, Role.AUTHORITY})  # decide, notify, review; see full ID numbers
STAFF = frozenset({Role.INVIGILATOR, Role.CHIEF, Role.AUTHORITY})  # all who write records
WRITERS = STAFF  # write an incident's record: evidence, signatures, addenda, seized items
PATROLS = frozenset({Role.PATROL})  # raise flags, keep the patrol record (巡考记录表)
THE_BODY = frozenset({Role.AUTHORITY})  # set-up, accounts, the registry and the audit log


# What a username may be: letters, digits, dot, dash, underscore; 64 characters at most.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class StaffRole(StrEnum):
    INVIGILATOR = "invigilator"
    CHIEF = "chief"
    PATROL = "patrol"


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[Role] = mapped_column(stored_enum(Role, 16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[StaffAssignment]] = relationship(back_populates="user")

    # Set by the session loader: which server-side session this request belongs to.
    current_session_token = None  # str | None, not a column

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_session_token


class UserSession(db.Model):
    """A login on one device. The cookie holds the token; only its hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for another system; only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class StaffAssignment(db.Model):
    """Who works a sitting: a chief examiner, a patrol (巡考), or an invigilator of one room."""

    __tablename__ = "staff_assignments"
    __table_args__ = (UniqueConstraint("sitting_id", "user_id", "room_id", name="uq_staff_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[StaffRole] = mapped_column(stored_enum(StaffRole, 16))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="assignments")
