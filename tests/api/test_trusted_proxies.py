"""Behind nginx every request comes from nginx: PROCTOR_TRUSTED_PROXIES=N makes the app take the
client's address from the X-Forwarded-For entry the last N proxies added (the login limiter per
address, sessions and the audit log use it); 0 (the default) trusts no header."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from helpers import PASSWORD, base_config

from proctor import create_app


def _login_address(app: Flask, forwarded_for: str) -> str | None:
    from proctor.extensions import db
    from proctor.models import User, UserSession

    answer = app.test_client().post(
        "/api/v1/auth/login", json={"username": "wang", "password": PASSWORD},
        headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"})  # nginx, on this machine
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "wang"))
        return db.session.scalars(db.select(UserSession.remote_addr)
                                  .where(UserSession.user_id == user.id)
                                  .order_by(UserSession.id.desc())).first()


@pytest.mark.parametrize(("hops", "expected"), [
    (0, "127.0.0.1"),  # no proxy trusted: the peer, whatever the header says
    (1, "10.8.0.23"),  # nginx's own entry (the last), not what the client wrote before it
    (2, "203.0.113.7"),  # a second proxy in front of nginx
])
def test_the_client_address_behind_trusted_proxies(database_url: str, tmp_path: Path,
                                                    hops: int, expected: str) -> None:
    app = create_app({**base_config(tmp_path, database_url), "TRUSTED_PROXIES": hops})
    from proctor.extensions import db
    from proctor.services.accounts import create_user

    with app.app_context():
        create_user("wang", "invigilator", PASSWORD)
        db.session.commit()
    try:
        assert _login_address(app, "203.0.113.7, 10.8.0.23") == expected
    finally:
        with app.app_context():
            db.engine.dispose()
