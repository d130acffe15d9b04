"""Misconduct of staff and training bodies (`/conduct-records`): record it, attach photos and
PDFs, decide it, issue its letter. The evaluation body does all of it; a chief examiner may
report conduct seen at their own sitting (and add files to it) — see `services.conduct`.
Nothing here touches a candidate's sanctions, bans or eligibility.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, Literal

from flask import request, url_for
from pydantic import AwareDatetime, Field, RootModel, StringConstraints, ValidationError

from incidents.conduct import ConductSubject
from proctor.api import bp
from proctor.api.schemas import ClientId, DbId, In, Out
from proctor.api.spec import endpoint, validation_failed
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import MANAGERS, THE_BODY, ConductFile, ConductNotice, ConductRecord
from proctor.services import access, conduct, conduct_letters, scope
from proctor.services.accounts import username_of
from proctor.services.evidence import server_client_id

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Duty = Literal["invigilator", "chief", "patrol", "other"]


class ConductIn(In):
    client_id: ClientId
    subject_kind: Literal["staff", "training_body"]
    staff_username: Short | None = Field(default=None, description="staff with an account")
    staff_name: Short | None = Field(default=None, description="staff without an account")
    staff_id_number: Short | None = None
    staff_duty: Duty | None = Field(default=None, description="default: from the account's "
                                    "assignment to the sitting, else its role")
    training_body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                    max_length=128)] | None = None
    sitting_id: DbId | None = None
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)]
    description: Text
    observed_at: AwareDatetime


class ConductDecisionIn(In):
    decision: Literal["confirm", "dismiss"]
    measure: Words | None = Field(default=None, description="confirm: the measure, in words "
                                  "(通报批评, 暂停监考资格, 取消承办资格 …)")
    reasons: Words


class ConductQuery(In):
    status: Literal["reported", "confirmed", "dismissed"] | None = None
    subject_kind: Literal["staff", "training_body"] | None = None
    sitting_id: DbId | None = None
    code: Annotated[str, StringConstraints(max_length=8)] | None = None
    training_body: Annotated[str, StringConstraints(max_length=128)] | None = None
    staff: Short | None = Field(default=None, description="an account, a name or an ID number")


class ConductFileForm(In):
    client_id: ClientId | None = None


class ConductFileOut(Out):
    id: int
    record_id: int
    sha256: str
    media_type: str
    size: int
    filename: str | None
    uploaded_by: str | None
    uploaded_at: datetime


class ConductNoticeOut(Out):
    id: int
    number: str
    record_id: int
    issued_on: dt.date
    issued_by: str | None
    sha256: str
    html_url: str
    pdf_url: str


class ConductOut(Out):
    id: int
    client_id: str
    subject_kind: str
    subject: dict[str, Any]
    sitting_id: int | None
    code: str
    title: dict[str, str]
    description: str
    observed_at: datetime
    recorded_by: str | None
    recorded_at: datetime
    status: str
    measure: str | None
    reasons: str | None
    decided_by: str | None
    decided_at: datetime | None
    files: list[ConductFileOut]
    notice: ConductNoticeOut | None


class ConductListOut(RootModel[list[ConductOut]]):
    pass


# -- rows into answers --------------------------------------------------------------------
def file_out(row: ConductFile) -> ConductFileOut:
    return ConductFileOut(id=row.id, record_id=row.record_id, sha256=row.sha256,
                          media_type=row.media_type, size=row.size, filename=row.filename,
                          uploaded_by=username_of(row.uploaded_by), uploaded_at=row.uploaded_at)


def notice_out(row: ConductNotice) -> ConductNoticeOut:
    return ConductNoticeOut(id=row.id, number=row.number, record_id=row.record_id,
                            issued_on=row.issued_on, issued_by=username_of(row.issued_by),
                            sha256=row.content_sha256,
                            html_url=url_for("conduct.notice", rid=row.record_id),
                            pdf_url=url_for("conduct.notice_pdf", rid=row.record_id))


def record_out(row: ConductRecord) -> ConductOut:
    from_codes = conduct.conduct_codes().get(row.code)
    letter = conduct_letters.notice_of(row)
    return ConductOut(
        id=row.id, client_id=row.client_id, subject_kind=row.subject_kind,
        subject=conduct.subject_part(row), sitting_id=row.sitting_id, code=row.code,
        title={"zh": from_codes.title.zh, "en": from_codes.title.en},
        description=row.description, observed_at=row.observed_at,
        recorded_by=username_of(row.recorded_by), recorded_at=row.recorded_at,
        status=row.status, measure=row.measure, reasons=row.reasons,
        decided_by=username_of(row.decided_by), decided_at=row.decided_at,
        files=[file_out(f) for f in row.files],
        notice=notice_out(letter) if letter else None)


def _subject(body: ConductIn, sitting: Any) -> conduct.Subject:
    if body.subject_kind == ConductSubject.TRAINING_BODY:
        if body.staff_username or body.staff_name or body.staff_id_number or body.staff_duty:
            raise ApiError(422, "staff_on_training_body", "A training body's record names no "
                           "staff member.", "staff_username")
        if not body.training_body:
            raise ApiError(422, "training_body_required", "Name the training body.",
                           "training_body")
        return conduct.Subject(ConductSubject.TRAINING_BODY, training_body=body.training_body)
    if body.training_body:
        raise ApiError(422, "training_body_on_staff", "A staff member's record names no "
                       "training body.", "training_body")
    return conduct.staff_subject(username=body.staff_username, name=body.staff_name,
                                 id_number=body.staff_id_number, duty=body.staff_duty,
                                 sitting=sitting)


# -- routes -------------------------------------------------------------------------------
@endpoint(bp, "POST", "/conduct-records",
          summary="Record misconduct of a staff member or a training body",
          tag="conduct", body=ConductIn, responses={201: ConductOut, 200: ConductOut},
          roles=MANAGERS)
def post_conduct_record(body: ConductIn):  # type: ignore[no-untyped-def]
    """A chief examiner names a sitting they lead (403 otherwise); the evaluation body any or
    none. A client_id seen before answers the record it made, else 409 client_id_conflict."""
    sitting = (scope.sitting_in_scope(body.sitting_id, manage=True)
               if body.sitting_id is not None else None)
    record, created = conduct.record_conduct(
        _subject(body, sitting), client_id=body.client_id, code=body.code,
        description=body.description, observed_at=body.observed_at, sitting=sitting,
        who=access.user())
    db.session.commit()
    return record_out(record), 201 if created else 200


@endpoint(bp, "GET", "/conduct-records", summary="Conduct records, newest first, filtered",
          tag="conduct", query=ConductQuery, responses={200: ConductListOut}, roles=MANAGERS)
def list_conduct_records(query: ConductQuery) -> ConductListOut:
    rows = conduct.visible_records(conduct.Filter(**query.model_dump()), access.user())
    return ConductListOut([record_out(r) for r in rows])


@endpoint(bp, "GET", "/conduct-records/<id:rid>", summary="One conduct record",
          tag="conduct", responses={200: ConductOut}, roles=MANAGERS,
          load=scope.conduct_record())
def get_conduct_record(record: ConductRecord) -> ConductOut:
    return record_out(record)


@endpoint(bp, "POST", "/conduct-records/<id:rid>/decision",
          summary="The evaluation body's decision: confirm with a measure, or dismiss",
          tag="conduct", body=ConductDecisionIn, responses={200: ConductOut}, roles=THE_BODY,
          load=scope.conduct_record())
def post_conduct_decision(record: ConductRecord, body: ConductDecisionIn) -> ConductOut:
    conduct.decide(record, body.decision, body.measure, body.reasons, access.user())
    db.session.commit()
    return record_out(record)


@endpoint(bp, "POST", "/conduct-records/<id:rid>/evidence",
          summary="A photo or PDF of a conduct record, kept under its SHA-256",
          tag="conduct", responses={201: ConductFileOut, 200: ConductFileOut},
          roles=MANAGERS, multipart={"file": "a photo (JPEG, PNG, WebP) or a PDF",
                                     "client_id?": "idempotency key"},
          load=scope.conduct_record())
def post_conduct_evidence(record: ConductRecord):  # type: ignore[no-untyped-def]
    try:
        form = ConductFileForm.model_validate(request.form.to_dict())
    except ValidationError as exc:
        raise validation_failed(exc, "form") from None
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "file_required", "Send the file as multipart field 'file'.", "file")
    row, created = conduct.add_file(record, upload.read(), upload.filename,
                                    form.client_id or server_client_id("conduct_file"),
                                    access.user())
    db.session.commit()
    return file_out(row), 201 if created else 200


@endpoint(bp, "POST", "/conduct-records/<id:rid>/notice",
          summary="Issue the letter of a confirmed record (the same one when asked again)",
          tag="conduct", responses={201: ConductNoticeOut, 200: ConductNoticeOut},
          roles=THE_BODY, load=scope.conduct_record())
def post_conduct_notice(record: ConductRecord):  # type: ignore[no-untyped-def]
    letter, created = conduct_letters.issue_notice(record, access.user())
    db.session.commit()
    return notice_out(letter), 201 if created else 200
