"""Files handed in with a statement (陈述申辩): photos are checked and copied like evidence
photos (`proctor.vision`), PDFs are checked by their header; both are kept unchanged under
their SHA-256 in the evidence store, and a statement names them by id."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app

from proctor import publisher
from proctor.concurrency import offload
from proctor.database import end_read_transaction, utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import PreNotice, StatementFile, User
from proctor.services import audit, evidence_store, idempotent
from proctor.services.due_process import pre_notice_event
from proctor.services.evidence import ingest_error

PDF_MAGIC = b"%PDF-"


def add_file(pre_notice: PreNotice, data: bytes, filename: str | None,
             client_id: str, who: User | None) -> tuple[StatementFile, bool]:
    """Check and keep one file for a statement of this pre-notice; returns (file, created)."""
    files: list[bytes] = []  # what to store once the row is in

    def make() -> StatementFile:
        media_type, copies = checked_upload(data)
        files.extend(copies)
        return StatementFile(client_id=client_id, pre_notice_id=pre_notice.id,
                             incident_id=pre_notice.incident_id,
                             sha256=hashlib.sha256(data).hexdigest(), media_type=media_type,
                             size=len(data), filename=(filename or "")[:255] or None,
                             uploaded_by=who.id if who else None, uploaded_at=utcnow())

    row, created = idempotent.insert_once(
        StatementFile, client_id, make,
        same_target=lambda found: found.pre_notice_id == pre_notice.id)
    if created:
        if len(files) == 1:
            evidence_store.store_original(row.sha256, files[0])
        else:
            evidence_store.store(row.sha256, *files)
        audit.record("statement_file_added", "statement_file", row.id,
                     pre_notice_id=pre_notice.id, sha256=row.sha256, size=row.size,
                     media_type=row.media_type)
        publisher.publish("evidence_added", pre_notice.sitting_id, None,
                          {**pre_notice_event(pre_notice), "statement_file_id": row.id})
    return row, created


def checked_upload(data: bytes) -> tuple[str, list[bytes]]:
    """The media type and the bytes to store: the original (and, for a photo, its copies).
    A photo (JPEG, PNG, WebP) or a PDF, else 415/422 as the evidence intake answers; the
    conduct records take their files through here too."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if data.startswith(PDF_MAGIC):
        if len(data) > limit:
            raise ApiError(413, "file_too_large",
                           f"The file is larger than {limit // (1024 * 1024)} MB.", "file")
        return "application/pdf", [data]
    from proctor import vision  # OpenCV loads on first use, not at start-up

    end_read_transaction(db.session())  # the decode holds no database lock
    try:
        result = offload(vision.ingest, data, max_bytes=limit,
                         max_pixels=current_app.config["EVIDENCE_MAX_PIXELS"])
    except vision.IngestError as exc:
        raise ingest_error(exc) from None
    return f"image/{result.kind}", [data, result.display_jpeg, result.thumbnail_jpeg]


def attachments_for(pre_notice: PreNotice, ids: list[int]) -> list[dict[str, Any]]:
    """The files a statement names, each of this pre-notice (else 422), as the statement
    records them."""
    out = []
    for index, file_id in enumerate(ids):
        row = db.session.get(StatementFile, file_id)
        if row is None or row.pre_notice_id != pre_notice.id:
            raise ApiError(422, "attachment_not_found",
                           f"no file {file_id} was handed in for this pre-notice",
                           f"attachment_ids.{index}")
        out.append({"id": row.id, "sha256": row.sha256, "media_type": row.media_type,
                    "size": row.size, "filename": row.filename})
    return out
