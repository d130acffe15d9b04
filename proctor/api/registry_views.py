"""The evaluation body's registry: bans, eligibility, certificate revocations, audit check."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Response, request, stream_with_context, url_for
from werkzeug.wsgi import wrap_file

from proctor.api import bp
from proctor.api.schemas import (
    AuditVerifyOut,
    BanManifestOut,
    BanManifestQuery,
    BanOut,
    BansOut,
    BansQuery,
    EligibilityBatchIn,
    EligibilityBatchOut,
    EligibilityOut,
    EligibilityQuery,
    RevocationOut,
    RevocationsOut,
    RevocationsQuery,
)
from proctor.api.spec import endpoint
from proctor.concurrency import offload
from proctor.database import set_read_only, utcnow
from proctor.extensions import db
from proctor.models import THE_BODY
from proctor.services import access, audit, bans
from proctor.services.audit import verify_chain
from proctor.services.people import valid_id_number
from proctor.services.sittings import venue_today, venue_zone

AUTHORITY = THE_BODY
CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@endpoint(bp, "GET", "/bans", summary="Bans in force on a date (JSON, CSV or XLSX)",
          tag="registry", query=BansQuery,
          responses={200: BansOut}, roles=AUTHORITY)
def get_bans(query: BansQuery) -> Response:
    """Streams every format (see proctor.services.bans). `X-Audit-Head` is the hash of the
    audit entry that records this export; once its last row is out, its manifest (count and
    digest) is recorded too, for GET /bans/manifest (the `Link` header)."""
    as_of = query.as_of or venue_today()
    head = bans.record_export(as_of, query.format, query.masked).hash
    db.session.commit()
    # The export only reads: on SQLite its transaction begins DEFERRED, so writers are not kept
    # waiting while a large file goes out (the audit entry above set IMMEDIATE for the request).
    set_read_only(True)
    generated_at = utcnow().isoformat().replace("+00:00", "Z")
    stem = f"bans-{as_of.isoformat()}{'-masked' if query.masked else ''}"
    headers = {"Cache-Control": "no-store", "X-As-Of": as_of.isoformat(),
               "X-Generated-At": generated_at, "X-Audit-Head": head,
               "Link": f'<{url_for(".get_ban_manifest", audit_head=head)}>; rel="describedby"'}
    if query.format == "xlsx":
        return _xlsx_response(query, as_of, head, generated_at, stem, headers)
    export = bans.Export(as_of, query.masked, bans.CSV if query.format == "csv" else bans.JSON)

    def generate() -> Iterator[str]:
        set_read_only(True)  # the generator runs after after_request hooks; be sure
        if query.format == "csv":
            yield from bans.csv_export(export)
        else:
            yield from bans.json_export(export, head, generated_at)
        # Reached only when the receiver took the last row (a closed stream stops above).
        bans.record_manifest(export, head, query.format, generated_at)
        db.session.commit()

    if query.format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return Response(stream_with_context(generate()),
                    mimetype=CSV_TYPE if query.format == "csv" else JSON_TYPE, headers=headers)


def _xlsx_response(query: BansQuery, as_of: date, head: str, generated_at: str, stem: str,
                   headers: dict[str, str]) -> Response:
    """openpyxl needs every row before the ZIP can be written: the workbook is built first (its
    sheets spooled to temporary files by openpyxl), then sent from memory when small or from a
    temporary file; count and digest are known by then, so they go in headers too, and in the
    audit chain before the file goes out."""
    # openpyxl builds the workbook in Python: a real thread, so the other connections go on.
    out, export = offload(bans.xlsx_export, as_of, query.masked, head, generated_at,
                          query.lang, venue_zone())
    try:
        bans.record_manifest(export, head, "xlsx", generated_at)
        db.session.commit()
    except BaseException:
        if not isinstance(out, bytes):
            out.close()
        raise
    headers.update({"Content-Disposition": f'attachment; filename="{stem}.xlsx"',
                    "X-Rows": str(export.count), "X-Digest-SHA256": export.hexdigest()})
    if isinstance(out, bytes):
        return Response(out, mimetype=XLSX_TYPE, headers=headers)
    headers["Content-Length"] = str(os.fstat(out.fileno()).st_size)
    # The response closes the file (and so deletes it) once it has been sent.
    return Response(wrap_file(request.environ, out), mimetype=XLSX_TYPE, headers=headers,
                    direct_passthrough=True)


@endpoint(bp, "GET", "/bans/manifest", summary="The manifest of a ban list export",
          tag="registry", query=BanManifestQuery, responses={200: BanManifestOut},
          roles=AUTHORITY)
def get_ban_manifest(query: BanManifestQuery) -> BanManifestOut:
    """A receiver recomputes the digest from the rows it got and compares it with this."""
    return BanManifestOut.model_validate(bans.manifest_of(query.audit_head))


def _answer(number: str, day: date, found: list[dict[str, Any]]) -> EligibilityOut:
    return EligibilityOut(id_number=number, date=day, eligible=not found,
                          bans=[BanOut.model_validate(row) for row in found])


@endpoint(bp, "GET", "/eligibility", summary="May this ID number sit an evaluation on this date?",
          tag="registry", query=EligibilityQuery, responses={200: EligibilityOut},
          roles=AUTHORITY)
def get_eligibility(query: EligibilityQuery) -> EligibilityOut:
    day = query.date or venue_today()
    number = valid_id_number(query.id_number, "id_number")
    answer = _answer(number, day, bans.bans_of(number, day))
    # The actor is named now: the audit entry ends this GET's read transaction first, which
    # expires the loaded user, and would read the user again just for its name.
    audit.record("eligibility_checked", "person", None, actor=access.user().username,
                 id_number=answer.id_number, date=day.isoformat(), eligible=answer.eligible)
    db.session.commit()
    return answer


@endpoint(bp, "POST", "/eligibility", summary="Eligibility of up to 1 000 ID numbers",
          tag="registry", body=EligibilityBatchIn, responses={200: EligibilityBatchOut},
          roles=AUTHORITY)
def post_eligibility(body: EligibilityBatchIn) -> EligibilityBatchOut:
    """Every number is checked before anything is looked up (the first bad one answers 422
    with its field, `id_numbers.N`); then one query for all of them. One result per number
    asked, in the order asked, a repeated number answered each time."""
    day = body.date or venue_today()
    numbers = [valid_id_number(number, f"id_numbers.{index}")
               for index, number in enumerate(body.id_numbers)]
    found = bans.bans_of_many(numbers, day)
    results = [_answer(number, day, found.get(number, [])) for number in numbers]
    audit.record("eligibility_checked", "person", None, count=len(results), date=day.isoformat(),
                 ineligible=sum(1 for r in results if not r.eligible))
    db.session.commit()
    return EligibilityBatchOut(date=day, results=results)


@endpoint(bp, "GET", "/certificates/revoked",
          summary="Certificates revoked (JSON, CSV or XLSX)", tag="registry",
          query=RevocationsQuery, responses={200: RevocationsOut}, roles=AUTHORITY)
def get_revocations(query: RevocationsQuery):  # type: ignore[no-untyped-def]
    rows = bans.revocations()
    audit.record("revocations_exported", "certificates", None, format=query.format,
                 count=len(rows))
    db.session.commit()
    download = {"Cache-Control": "no-store", "Content-Disposition":
                f'attachment; filename="revoked-certificates.{query.format}"'}
    if query.format == "csv":
        return Response(bans.revocations_csv(rows), mimetype=CSV_TYPE, headers=download)
    if query.format == "xlsx":
        content = offload(bans.revocations_xlsx, rows, query.lang, venue_zone())
        return Response(content, mimetype=XLSX_TYPE, headers=download)
    return RevocationsOut(revocations=[RevocationOut.model_validate(r) for r in rows])


@endpoint(bp, "GET", "/audit/verify", summary="Re-hash the audit chain", tag="registry",
          responses={200: AuditVerifyOut}, roles=AUTHORITY)
def get_audit_verify() -> AuditVerifyOut:
    report = verify_chain()
    return AuditVerifyOut(ok=report.ok, entries=report.entries, head=report.head,
                          problems=report.problems)
