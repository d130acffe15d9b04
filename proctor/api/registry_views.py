"""The evaluation body's registry: bans, eligibility, certificate revocations, audit check."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import Response, stream_with_context

from proctor.api import bp
from proctor.api.schemas import (
    AuditVerifyOut,
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
from proctor.database import utcnow
from proctor.extensions import db
from proctor.models import Role
from proctor.services import audit, bans
from proctor.services.audit import verify_chain
from proctor.services.people import valid_id_number
from proctor.services.sittings import venue_today

AUTHORITY = [Role.AUTHORITY.value]
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _head() -> str:
    return verify_chain_head()


def verify_chain_head() -> str:
    from proctor.models import AuditHead

    head = db.session.get(AuditHead, 1)
    return head.hash if head else audit.GENESIS


@endpoint(bp, "GET", "/bans", summary="Bans in force on a date (JSON, CSV or XLSX)",
          tag="registry", query=BansQuery,
          responses={200: BansOut}, roles=AUTHORITY)
def get_bans(query: BansQuery):  # type: ignore[no-untyped-def]
    as_of = query.as_of or venue_today()
    audit.record("bans_exported", "bans", None, as_of=as_of.isoformat(), format=query.format,
                 masked=query.masked)
    db.session.commit()
    if query.format == "csv":
        return _csv_response(as_of, query.masked)
    if query.format == "xlsx":
        return _xlsx_response(as_of, query.masked)
    digest = bans.RowDigest()
    rows = []
    for ban, person in bans.bans_in_force(as_of):
        row = bans.ban_row(ban, person, query.masked)
        digest.add(row)
        rows.append(BanOut.model_validate(row))
    return BansOut(as_of=as_of, generated_at=utcnow(), count=digest.count,
                   digest=digest.hexdigest(), audit_head=_head(), bans=rows)


def _csv_response(as_of, masked: bool) -> Response:  # type: ignore[no-untyped-def]
    head = _head()

    def generate() -> Iterator[str]:
        digest = bans.RowDigest()
        yield "\ufeff" + bans.csv_line(list(bans.BAN_COLUMNS))
        for ban, person in bans.bans_in_force(as_of):
            row = bans.ban_row(ban, person, masked)
            digest.add(row)
            yield bans.csv_line(bans.csv_cells(row))
        yield bans.csv_line([f"# rows={digest.count}", f"sha256={digest.hexdigest()}",
                             f"as_of={as_of.isoformat()}", f"audit_head={head}"])

    name = f"bans-{as_of.isoformat()}{'-masked' if masked else ''}.csv"
    return Response(stream_with_context(generate()), mimetype=CSV_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _xlsx_response(as_of, masked: bool) -> Response:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("bans")
    sheet.append(list(bans.BAN_COLUMNS))
    digest = bans.RowDigest()
    for ban, person in bans.bans_in_force(as_of):
        row = bans.ban_row(ban, person, masked)
        digest.add(row)
        sheet.append(bans.csv_cells(row))
    manifest = book.create_sheet("manifest")
    for key, value in (("as_of", as_of.isoformat()), ("rows", digest.count),
                       ("sha256", digest.hexdigest()), ("audit_head", _head()),
                       ("generated_at", utcnow().isoformat())):
        manifest.append([key, value])
    out = io.BytesIO()
    book.save(out)
    name = f"bans-{as_of.isoformat()}{'-masked' if masked else ''}.xlsx"
    return Response(out.getvalue(), mimetype=XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Rows": str(digest.count), "X-Digest-SHA256": digest.hexdigest()})


def _eligibility(id_number: str, day, field: str) -> EligibilityOut:  # type: ignore[no-untyped-def]
    number = valid_id_number(id_number, field)
    found = bans.bans_of(number, day)
    return EligibilityOut(id_number=number, date=day, eligible=not found,
                          bans=[BanOut.model_validate(row) for row in found])


@endpoint(bp, "GET", "/eligibility", summary="May this ID number sit an evaluation on this date?",
          tag="registry", query=EligibilityQuery, responses={200: EligibilityOut},
          roles=AUTHORITY)
def get_eligibility(query: EligibilityQuery) -> EligibilityOut:
    day = query.date or venue_today()
    answer = _eligibility(query.id_number, day, "id_number")
    audit.record("eligibility_checked", "person", None, id_number=answer.id_number,
                 date=day.isoformat(), eligible=answer.eligible)
    db.session.commit()
    return answer


@endpoint(bp, "POST", "/eligibility", summary="Eligibility of up to 1 000 ID numbers",
          tag="registry", body=EligibilityBatchIn, responses={200: EligibilityBatchOut},
          roles=AUTHORITY)
def post_eligibility(body: EligibilityBatchIn) -> EligibilityBatchOut:
    day = body.date or venue_today()
    results = [_eligibility(number, day, f"id_numbers.{index}")
               for index, number in enumerate(body.id_numbers)]
    audit.record("eligibility_checked", "person", None, count=len(results), date=day.isoformat(),
                 ineligible=sum(1 for r in results if not r.eligible))
    db.session.commit()
    return EligibilityBatchOut(date=day, results=results)


@endpoint(bp, "GET", "/certificates/revoked", summary="Certificates revoked (JSON or CSV)",
          tag="registry", query=RevocationsQuery, responses={200: RevocationsOut},
          roles=AUTHORITY)
def get_revocations(query: RevocationsQuery):  # type: ignore[no-untyped-def]
    rows = bans.revocations()
    audit.record("revocations_exported", "certificates", None, format=query.format,
                 count=len(rows))
    db.session.commit()
    if query.format == "csv":
        columns = ["name", "id_number", "ticket_no", "sitting_id", "incident_ids", "decided_at"]
        lines = ["\ufeff" + bans.csv_line(columns)] + [bans.csv_line(
            [" ".join(map(str, r[c])) if isinstance(r[c], list) else r[c] or "" for c in columns])
            for r in rows]
        return Response("".join(lines), mimetype=CSV_TYPE, headers={
            "Content-Disposition": 'attachment; filename="revoked-certificates.csv"',
            "Cache-Control": "no-store"})
    return RevocationsOut(revocations=[RevocationOut.model_validate(r) for r in rows])


@endpoint(bp, "GET", "/audit/verify", summary="Re-hash the audit chain", tag="registry",
          responses={200: AuditVerifyOut}, roles=AUTHORITY)
def get_audit_verify() -> AuditVerifyOut:
    report = verify_chain()
    return AuditVerifyOut(ok=report.ok, entries=report.entries, head=report.head,
                          problems=report.problems)
