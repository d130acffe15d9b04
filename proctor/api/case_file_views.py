"""The case file of one incident (案卷) as a ZIP, for 行政复议 or a court: for the incident's
chief examiner and the evaluation body only (it carries full ID numbers), audited as an export.
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.wsgi import wrap_file

from proctor.api import bp
from proctor.api.spec import endpoint
from proctor.concurrency import offload
from proctor.database import utcnow
from proctor.extensions import db
from proctor.i18n import current_language
from proctor.models import MANAGERS, Incident, Sitting
from proctor.services import access, audit
from proctor.services import scope as scopes
from proctor.services.case_file import collect
from proctor.services.case_file_zip import write_zip
from proctor.services.sittings import venue_zone

ZIP_TYPE = "application/zip"


@endpoint(bp, "GET", "/incidents/<id:iid>/case-file",
          summary="The case file of an incident: letters, evidence, decisions, audit (ZIP)",
          tag="appeals", responses={200: ZIP_TYPE}, roles=MANAGERS,
          load=scopes.incident(record=True, manage=True))
def get_case_file(incident: Incident, sitting: Sitting) -> Response:
    """The ZIP is written before it is sent (its manifest's SHA-256 goes into the audit entry
    that records the export); `X-Manifest-SHA256` repeats it."""
    who = access.user().username
    found = collect(incident, sitting)
    now = utcnow()
    about = {"case_file": {"incident_id": incident.id, "sitting_id": sitting.id,
                           "generated_at": now.isoformat(), "generated_by": who,
                           "letters_language": current_language()},
             "omitted": found.omitted, "problems": found.problems}
    written = offload(write_zip, found.parts, about, now.astimezone(venue_zone()))
    try:
        audit.record("case_file_exported", "incident", incident.id, actor=who,
                     files=len(written.files), bytes=written.size,
                     manifest_sha256=written.manifest_sha256, omitted=len(found.omitted),
                     problems=len(found.problems))
        db.session.commit()
    except BaseException:
        if not isinstance(written.out, bytes):
            written.out.close()
        raise
    headers = {"Content-Disposition":
               f'attachment; filename="case-file-incident-{incident.id}.zip"',
               "Cache-Control": "no-store", "Content-Length": str(written.size),
               "X-Manifest-SHA256": written.manifest_sha256}
    if isinstance(written.out, bytes):
        return Response(written.out, mimetype=ZIP_TYPE, headers=headers)
    # The response closes the file (and so deletes it) once it has been sent.
    return Response(wrap_file(request.environ, written.out), mimetype=ZIP_TYPE,
                    headers=headers, direct_passthrough=True)
