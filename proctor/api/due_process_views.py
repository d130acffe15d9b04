"""Due process before a decision: pre-decision notices (处理事先告知书), their service, and the
candidate's statements (陈述申辩) or waiver.

Only the sitting's chief examiner and the evaluation body reach these routes: a pre-notice
carries the person's full ID number.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, Literal

from flask import request, url_for
from pydantic import Field, RootModel, StringConstraints, ValidationError, model_validator

from proctor.api import bp
from proctor.api.schemas import ClientId, DbId, In, IsoDate, Out
from proctor.api.spec import endpoint, validation_failed
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import MANAGERS, Incident, PreNotice, Statement
from proctor.services import access, due_process, scope
from proctor.services.accounts import username_of
from proctor.services.evidence import server_client_id
from proctor.services.pre_notices import issue_pre_notices
from proctor.services.sittings import venue_today
from proctor.services.statement_files import add_file, attachments_for

Text = Annotated[str, StringConstraints(max_length=20000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=256)]


# -- request and response models ----------------------------------------------------------
class PreServiceIn(In):
    method: Literal["in_person", "electronic", "post", "public"]
    served_on: IsoDate
    failed: bool = Field(default=False, description="the attempt did not reach the person")
    note: Short | None = Field(default=None, description="why it failed, or who received it")
    posted_at: Short | None = Field(default=None,
                                    description="public announcement: where it was posted")


class StatementIn(In):
    client_id: ClientId | None = None
    waived: bool = False
    text: Text = ""
    received_via: Literal["in_person", "electronic", "post"] = "in_person"
    received_on: IsoDate | None = Field(default=None, description="default: today")
    witness: Short | None = Field(
        default=None, description="a waiver: who saw the candidate sign it (the contract's "
        "`{waived: true}` alone is the candidate's signed waiver as received, `received_via`)")
    attachment_ids: Annotated[list[DbId], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _waiver_has_no_text(self) -> StatementIn:
        if self.waived and self.text.strip():
            raise ValueError("a waiver carries no statement text")
        return self


class ProposedOut(Out):
    voided_subjects: list[str]
    all_subjects_voided: bool
    ban: dict[str, Any] | None


class PreServiceOut(Out):
    method: str
    served_on: dt.date
    failed: bool
    note: str | None
    posted_at: str | None
    recorded_by: str | None
    recorded_at: datetime


class StatementOut(Out):
    id: int
    pre_notice_id: int
    kind: str
    text: str
    received_via: str
    received_on: dt.date
    witness: str | None
    attachments: list[dict[str, Any]]
    sha256: str
    recorded_by: str | None
    recorded_at: datetime


class PreNoticeOut(Out):
    id: int
    notice_no: str
    incident_id: int
    sitting_id: int
    person: dict[str, Any]
    proposed: ProposedOut
    issued_on: dt.date
    sha256: str
    served_on: dt.date | None
    service_method: str | None
    services: list[PreServiceOut]
    statement_days: int
    statement_deadline: dt.date | None
    waived: bool
    statements: list[StatementOut]
    html_url: str
    pdf_url: str


class PreNoticesOut(RootModel[list[PreNoticeOut]]):
    pass


# -- rows into answers --------------------------------------------------------------------
def statement_out(row: Statement) -> StatementOut:
    return StatementOut(id=row.id, pre_notice_id=row.pre_notice_id, kind=row.kind,
                        text=row.text, received_via=row.received_via,
                        received_on=row.received_on, witness=row.witness,
                        attachments=row.attachments, sha256=row.sha256,
                        recorded_by=username_of(row.recorded_by), recorded_at=row.recorded_at)


def pre_notice_out(row: PreNotice) -> PreNoticeOut:
    person = row.content["person"]
    return PreNoticeOut(
        id=row.id, notice_no=row.number, incident_id=row.incident_id, sitting_id=row.sitting_id,
        person={"person_id": row.person_id, "name": person["name"],
                "id_number": access.shown_id_number(person["id_number"]),
                "ticket_no": person["ticket_no"], "role": person["role"]},
        proposed=ProposedOut(**row.content["proposed"]), issued_on=row.issued_on,
        sha256=row.content_sha256, served_on=row.served_on, service_method=row.service_method,
        services=[PreServiceOut(method=a.method, served_on=a.served_on, failed=a.failed,
                                note=a.note, posted_at=a.posted_at,
                                recorded_by=username_of(a.recorded_by),
                                recorded_at=a.recorded_at) for a in row.services],
        statement_days=due_process.statement_days(),
        statement_deadline=due_process.statement_deadline(row),
        waived=due_process.waived(row), statements=[statement_out(s) for s in row.statements],
        html_url=url_for("notices.pre_notice", pid=row.id),
        pdf_url=url_for("notices.pre_notice_pdf", pid=row.id))


# -- routes -------------------------------------------------------------------------------
@endpoint(bp, "POST", "/incidents/<id:iid>/pre-notices",
          summary="Issue the pre-decision notice (处理事先告知书) to every party of a proposal",
          tag="due process", responses={201: PreNoticesOut, 200: PreNoticesOut},
          roles=MANAGERS, load=scope.incident(manage=True))
def post_pre_notices(incident: Incident):  # type: ignore[no-untyped-def]
    before = {n.id for n in scope.rows_of_incident(PreNotice, incident)}
    rows = issue_pre_notices(incident, access.user())
    db.session.commit()
    created = any(n.id not in before for n in rows)
    return PreNoticesOut([pre_notice_out(n) for n in rows]), 201 if created else 200


@endpoint(bp, "GET", "/incidents/<id:iid>/pre-notices",
          summary="The pre-decision notices of an incident", tag="due process",
          responses={200: PreNoticesOut}, roles=MANAGERS, load=scope.incident(manage=True))
def list_pre_notices(incident: Incident) -> PreNoticesOut:
    return PreNoticesOut([pre_notice_out(n)
                          for n in scope.rows_of_incident(PreNotice, incident)])


@endpoint(bp, "GET", "/pre-notices/<id:pid>", summary="One pre-decision notice",
          tag="due process", responses={200: PreNoticeOut}, roles=MANAGERS,
          load=scope.pre_notice())
def get_pre_notice(pre_notice: PreNotice) -> PreNoticeOut:
    return pre_notice_out(pre_notice)


@endpoint(bp, "POST", "/pre-notices/<id:pid>/service",
          summary="Record an attempt to serve the pre-notice (public only after one failed)",
          tag="due process", body=PreServiceIn, responses={200: PreNoticeOut}, roles=MANAGERS,
          load=scope.pre_notice())
def post_pre_notice_service(pre_notice: PreNotice, body: PreServiceIn) -> PreNoticeOut:
    due_process.record_service(pre_notice, body.method, body.served_on, access.user(),
                               failed=body.failed, note=body.note, posted_at=body.posted_at)
    db.session.commit()
    return pre_notice_out(pre_notice)


@endpoint(bp, "POST", "/pre-notices/<id:pid>/statements",
          summary="Record the candidate's statement (陈述申辩) or signed waiver",
          tag="due process", body=StatementIn, responses={201: StatementOut, 200: StatementOut},
          roles=MANAGERS, load=scope.pre_notice())
def post_statement(pre_notice: PreNotice, body: StatementIn):  # type: ignore[no-untyped-def]
    statement, created = due_process.record_statement(
        pre_notice, client_id=body.client_id or server_client_id("statement"),
        waiver=body.waived, text=body.text, received_via=body.received_via,
        received_on=body.received_on or venue_today(), witness=body.witness,
        attachments=attachments_for(pre_notice, body.attachment_ids), who=access.user())
    db.session.commit()
    return statement_out(statement), 201 if created else 200


class StatementFileOut(Out):
    id: int
    pre_notice_id: int
    sha256: str
    media_type: str
    size: int
    filename: str | None


class FileForm(In):
    client_id: ClientId | None = None


@endpoint(bp, "POST", "/pre-notices/<id:pid>/files",
          summary="A photo or PDF handed in with a statement, kept under its SHA-256",
          tag="due process", responses={201: StatementFileOut, 200: StatementFileOut},
          roles=MANAGERS, multipart={"file": "a photo (JPEG, PNG, WebP) or a PDF",
                                     "client_id?": "idempotency key"},
          load=scope.pre_notice())
def post_statement_file(pre_notice: PreNotice):  # type: ignore[no-untyped-def]
    try:
        form = FileForm.model_validate(request.form.to_dict())
    except ValidationError as exc:
        raise validation_failed(exc, "form") from None
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "file_required", "Send the file as multipart field 'file'.", "file")
    row, created = add_file(pre_notice, upload.read(), upload.filename,
                            form.client_id or server_client_id("statement_file"),
                            access.user())
    db.session.commit()
    return StatementFileOut(id=row.id, pre_notice_id=row.pre_notice_id, sha256=row.sha256,
                            media_type=row.media_type, size=row.size,
                            filename=row.filename), 201 if created else 200
