"""The demo follows the clock: at whatever hour `make run` starts, theory is under way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("hour, minute", [(0, 0), (0, 7), (6, 3), (9, 0), (12, 59), (18, 30),
                                          (21, 40), (23, 30), (23, 59)])
def test_theory_is_under_way_and_both_subjects_fit_the_day(app, hour, minute):
    from proctor.services.demo import demo_times

    local = datetime(2026, 12, 1, hour, minute, tzinfo=SHANGHAI)
    with app.app_context():
        day, subjects = demo_times(local.astimezone(UTC))
    assert day == local.date()
    (_, _, t_start, t_end), (_, _, p_start, p_end) = subjects
    start = datetime.combine(day, t_start, SHANGHAI)
    end = datetime.combine(day, t_end, SHANGHAI)
    if (hour, minute) >= (23, 55) or (hour, minute) < (0, 5):
        # A sitting's subjects share its day: in the ten minutes around midnight theory is
        # just over (until 23:55) or just ahead (from 00:05).
        assert start - timedelta(minutes=5) <= local <= end + timedelta(minutes=5)
    else:
        assert start <= local < end
    assert t_start < t_end and p_start < p_end
    assert p_end <= t_start or p_start >= t_end  # they do not overlap


def test_a_later_start_moves_a_stale_demo_to_now(app):
    from proctor.database import utcnow
    from proctor.extensions import db
    from proctor.models import AuditEntry, Sitting
    from proctor.services.demo import retime_demo, seed_demo

    with app.app_context():
        seed_demo(candidates=4)
        sitting = db.session.scalar(db.select(Sitting))
        for subject in sitting.subjects:  # as if seeded two days ago
            subject.starts_at -= timedelta(days=2)
            subject.ends_at -= timedelta(days=2)
        sitting.date -= timedelta(days=2)
        db.session.commit()
        assert retime_demo() is not None
        now = utcnow()
        sitting = db.session.scalar(db.select(Sitting))
        assert any(s.starts_at <= now < s.ends_at for s in sitting.subjects)
        assert retime_demo() is None  # under way: left alone
        actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "demo_retimed" in actions
