import threading, time
from conftest import id_number


def test_probe(app, make_user, backend, caplog):
    from proctor.extensions import db
    from proctor.services import audit
    from proctor.services.accounts import create_api_token, find_user
    make_user("body", "authority")
    with app.app_context():
        token = create_api_token(find_user("body")); db.session.commit()
    started = threading.Event()
    def writer():
        with app.app_context():
            audit.record("probe_hold")
            started.set()
            time.sleep(0.5)
            db.session.commit()
    t = threading.Thread(target=writer); t.start()
    started.wait()
    r = app.test_client().get(f"/api/v1/eligibility?id_number={id_number(1)}&date=2025-07-01",
                              headers={"Authorization": f"Bearer {token}"})
    t.join()
    print("STATUS", r.status_code, r.get_json())
    for rec in caplog.records: print("LOG", rec.getMessage(), rec.exc_info and repr(rec.exc_info[1])[:300])
    import logging
    r = app.test_client().get(f"/api/v1/eligibility?id_number={id_number(1)}&date=2025-07-01",
                              headers={"Authorization": f"Bearer {token}"})
    print("STATUS2", r.status_code)
