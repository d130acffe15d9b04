"""Fixtures: an app per test on SQLite (and on PostgreSQL when PROCTOR_TEST_DATABASE_URL is set),
an `auth` helper, and factories that return callables: sittings and users written directly,
warnings, incidents, decisions and notices made through the API as the tablets make them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import PASSWORD, base_config, cid, id_number, now_iso
from sqlalchemy import create_engine, text
from werkzeug.test import TestResponse

from proctor import MIGRATIONS_DIR, create_app

PG_URL = os.environ.get("PROCTOR_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _migrate(url: str, data_dir: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(data_dir, url))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        from proctor.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (fast, and the real migrations)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "proctor.sqlite3"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def pg_migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A schema of its own for this test run (runs side by side do not collide), migrated."""
    if not PG_URL:
        yield None
        return
    schema = f"proctor_test_{os.getpid()}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    _migrate(url, tmp_path_factory.mktemp("pg"))
    yield url
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        tables = [row[0] for row in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'"))]
        # Test isolation only: the append-only triggers are bypassed for the cleanup.
        conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "proctor.sqlite3"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_migrated")
    _truncate_pg(url)
    return str(url)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app, with NO app context pushed: each test-client request gets its own context
    (and its own `g` and database session), as in production. Code that touches the
    database directly wraps itself in `with app.app_context():`."""
    app = create_app(base_config(tmp_path, database_url))
    yield app
    with app.app_context():
        from proctor.extensions import db

        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


class Auth:
    """Log users in on their own test clients: auth.login("inv1") -> an ApiClient."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def client(self) -> ApiClient:
        return ApiClient(self.app.test_client())

    def login(self, username: str, password: str = PASSWORD) -> ApiClient:
        api = self.client()
        response = api.raw.post("/api/v1/auth/login",
                                json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        api.csrf = response.get_json()["csrf_token"]
        return api


class ApiClient:
    """A test client that sends the CSRF header on writes, as the tablets do."""

    def __init__(self, raw: FlaskClient) -> None:
        self.raw = raw
        self.csrf: str | None = None

    def _headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf} if self.csrf else {}

    @staticmethod
    def _read(response):  # type: ignore[no-untyped-def]
        """Buffer the body and close the response (a file answer holds an open file)."""
        response.get_data()
        response.close()
        return response

    def get(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._read(self.raw.get(url, **kw))

    def post(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._read(self.raw.post(
            url, headers={**self._headers(), **kw.pop("headers", {})}, **kw))

    def put(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._read(self.raw.put(
            url, headers={**self._headers(), **kw.pop("headers", {})}, **kw))


@pytest.fixture
def auth(app: Flask) -> Auth:
    return Auth(app)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    from proctor.extensions import db
    from proctor.services.accounts import create_user

    def make(username: str, role: str, password: str = PASSWORD) -> int:
        """Create the account; returns its id."""
        with app.app_context():
            user = create_user(username, role, password)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_sitting(app: Flask, make_user: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """A sitting with theory and practical, two 5×6 rooms, staff and candidates seated.

    Users: authority `body`, chief `chief`, invigilators `inv1`+`inv2` (room A), `inv3` (room B).
    Candidates: tickets T001.. alternate between rooms A and B.
    """
    from proctor.extensions import db
    from proctor.models import User
    from proctor.services import sittings
    from proctor.services.accounts import create_user
    from proctor.services.floor import set_seat
    from proctor.services.people import register_candidate

    def make(candidates: int = 6, day: date | None = None) -> dict[str, Any]:
        with app.app_context():
            return _make(candidates, day)

    def _make(candidates: int, day: date | None) -> dict[str, Any]:
        from datetime import time

        if db.session.scalar(db.select(User).where(User.username == "body")) is None:
            for name, role in (("body", "authority"), ("chief", "chief"),
                               ("inv1", "invigilator"), ("inv2", "invigilator"),
                               ("inv3", "invigilator"), ("chief2", "chief")):
                create_user(name, role, PASSWORD)
        body = db.session.scalar(db.select(User).where(User.username == "body"))
        sitting = sittings.create_sitting("人工智能训练师", 4, day or date(2025, 6, 28), [
            ("theory", "理论知识", time(9, 0), time(10, 30)),
            ("practical", "操作技能", time(13, 30), time(15, 30))])
        room_a = sittings.add_room(sitting, "A", 5, 6, None)
        room_b = sittings.add_room(sitting, "B", 5, 6, None)
        sittings.assign_staff(sitting, "chief", "chief", None)
        for name, room in (("inv1", room_a), ("inv2", room_a), ("inv3", room_b)):
            sittings.assign_staff(sitting, name, "invigilator", room.id)
        tickets = []
        for index in range(candidates):
            ticket = f"T{sitting.id:02d}{index + 1:03d}"
            candidate, _ = register_candidate(sitting, ticket, f"考生{index + 1}",
                                              id_number(sitting.id * 100 + index), None)
            room = room_a if index % 2 == 0 else room_b
            set_seat(sitting, candidate, room, index // 2 + 1, False, body)
            tickets.append(ticket)
        db.session.commit()
        return {"id": sitting.id, "rooms": [room_a.id, room_b.id], "tickets": tickets,
                "date": sitting.date}

    return make


# -- records made through the API ---------------------------------------------------------------
# A factory is called for the record: the answer's status is checked and its JSON returned. Its
# `post` takes the same arguments and returns the answer unchecked, for a test of the answer.
# A field given as None is left out of the body, so that the API's own default applies.
Record = dict[str, Any]
DESCRIPTION = "考生在考试中使用手机搜索答案"


def _body(**fields: Any) -> Record:
    return {name: value for name, value in fields.items() if value is not None}


def _record(response: TestResponse, *statuses: int) -> Any:
    assert response.status_code in statuses, (response.status_code, response.get_json())
    return response.get_json()


class IncidentFactory:
    """make_incident(api, s, "T2.2", tickets=[copier, helper], subject="theory"): the first
    ticket is the principal, the others accomplices (the sitting's first ticket by default);
    `parties=[...]` names them in full instead (an impostor by name and ID number)."""

    def post(self, api: ApiClient, sitting: Record, rule: str = "T2.1", *,
             tickets: Sequence[str] = (), parties: list[Record] | None = None,
             **fields: Any) -> TestResponse:
        principal, *accomplices = tickets or [sitting["tickets"][0]]
        named = parties or [{"ticket_no": principal}] + [
            {"ticket_no": ticket, "role": "accomplice"} for ticket in accomplices]
        body = _body(**{"client_id": cid(), "observed_at": now_iso(),
                        "description": DESCRIPTION, **fields})
        return api.post(f"/api/v1/sittings/{sitting['id']}/incidents",
                        json={**body, "rule_code": rule, "parties": named})

    def __call__(self, api: ApiClient, sitting: Record, rule: str = "T2.1",
                 **fields: Any) -> Record:
        return _record(self.post(api, sitting, rule, **fields), 201)


class WarningFactory:
    """make_warning(api, s, ticket=t, rule="T1.2", outcome="refused"): a reminder (the sitting's
    first ticket, theory, T1.1 by default); with an outcome, the warning as resolved, whose
    `incident_id` names the incident a refusal raised."""

    def post(self, api: ApiClient, sitting: Record, *, ticket: str | None = None,
             rule: str = "T1.1", subject: str = "theory", **fields: Any) -> TestResponse:
        body = _body(**{"client_id": cid(), "observed_at": now_iso(), **fields})
        return api.post(f"/api/v1/sittings/{sitting['id']}/warnings", json={
            **body, "ticket_no": ticket or sitting["tickets"][0], "subject": subject,
            "rule_code": rule})

    def __call__(self, api: ApiClient, sitting: Record, *, outcome: str | None = None,
                 **fields: Any) -> Record:
        warning = _record(self.post(api, sitting, **fields), 201)
        if outcome is None:
            return warning
        return _record(api.post(f"/api/v1/warnings/{warning['id']}/outcome",
                                json={"outcome": outcome}), 200)


class DecisionFactory:
    """decide(api, iid, severity="serious", note="…"): confirm (or "dismiss") an incident as a
    chief examiner or the evaluation body; returns the incident as decided."""

    def post(self, api: ApiClient, incident_id: int, decision: str = "confirm",
             **fields: Any) -> TestResponse:
        return api.post(f"/api/v1/incidents/{incident_id}/decision",
                        json={"decision": decision, **_body(**fields)})

    def __call__(self, api: ApiClient, incident_id: int, decision: str = "confirm",
                 **fields: Any) -> Record:
        return _record(self.post(api, incident_id, decision, **fields), 200)


@pytest.fixture
def make_incident() -> IncidentFactory:
    return IncidentFactory()


@pytest.fixture
def make_warning() -> WarningFactory:
    return WarningFactory()


@pytest.fixture
def decide() -> DecisionFactory:
    return DecisionFactory()


@pytest.fixture
def issue_notices() -> Callable[..., list[Record]]:
    def issue(api: ApiClient, incident_id: int, **body: Any) -> list[Record]:
        """The decision notices of a confirmed incident (the same ones when issued again)."""
        return _record(api.post(f"/api/v1/incidents/{incident_id}/notices", json=body),
                       200, 201)

    return issue


@pytest.fixture
def make_banned_sitting(make_sitting: Callable[..., Record], auth: Auth,
                        make_incident: IncidentFactory,
                        decide: DecisionFactory) -> Callable[[], Record]:
    def make() -> Record:
        """Four candidates, two bans: a Tier-2 one (no referral) and a serious Tier-3 one
        (referral, revocation)."""
        s = make_sitting(candidates=4)
        inv, chief = auth.login("inv1"), auth.login("chief")
        for ticket, rule, severity in ((s["tickets"][0], "T2.1", None),
                                       (s["tickets"][2], "T3.2", "serious")):
            decide(chief, make_incident(inv, s, rule, tickets=[ticket])["id"], severity=severity)
        return s

    return make
