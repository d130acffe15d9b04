"""The 08:30 login storm: password hashes are bounded, and no database lock is held meanwhile.

Argon2id takes its memory cost for every hash; a venue logging in at once must neither run the
process out of memory nor queue every other write behind the hashes. (How long logins take at
the venue's scale is bench/logins.py's to say, not a test's.)
"""

from __future__ import annotations

import threading
import time

from argon2 import PasswordHasher
from helpers import PASSWORD


def test_at_most_the_configured_number_of_hashes_run_at_once(app, make_user, monkeypatch):
    from proctor.services import accounts

    for index in range(8):
        make_user(f"tab{index}", "invigilator")
    app.config["MAX_CONCURRENT_HASHES"] = 2
    running, most, lock = [0], [0], threading.Lock()
    real_verify = PasswordHasher.verify

    def slow_verify(self, stored, password):  # type: ignore[no-untyped-def]
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        try:
            return real_verify(self, stored, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    results: list[bool] = []

    def log_in(index: int) -> None:
        with app.app_context():
            results.append(accounts.authenticate(f"tab{index}", PASSWORD) is not None)

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [True] * 8
    assert most[0] == 2


def test_no_write_lock_is_held_while_a_password_is_checked(app, make_user, monkeypatch):
    """While one login's hash runs, another request writes at once (SQLite's single writer)."""
    from proctor.extensions import db
    from proctor.services import accounts, audit

    make_user("slow", "invigilator")
    entered, release = threading.Event(), threading.Event()
    real_verify = PasswordHasher.verify

    def waiting_verify(self, stored, password):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(10)
        return real_verify(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", waiting_verify)
    outcome: list[bool] = []

    def log_in() -> None:
        with app.app_context():
            outcome.append(accounts.authenticate("slow", PASSWORD) is not None)

    thread = threading.Thread(target=log_in)
    thread.start()
    try:
        assert entered.wait(10)
        started = time.monotonic()
        with app.app_context():
            audit.record("probe", actor="test")
            db.session.commit()
        assert time.monotonic() - started < 2, "the write waited for the password check"
    finally:
        release.set()
        thread.join(10)
    assert outcome == [True]


def test_old_hashes_are_redone_with_the_current_parameters(app, make_user):
    from proctor.extensions import db
    from proctor.models import User
    from proctor.services import accounts

    with app.app_context():
        old = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=4).hash(PASSWORD)
        user = User(username="old", role="invigilator", display_name="old", password_hash=old)
        db.session.add(user)
        db.session.commit()
        assert accounts.authenticate("old", PASSWORD) is not None
        db.session.commit()
        stored = db.session.scalar(db.select(User.password_hash).where(User.username == "old"))
    assert stored != old
    assert f"m={app.config['ARGON2_MEMORY_COST']},t={app.config['ARGON2_TIME_COST']},p=1" \
        in stored
