"""Registration photos (imported from a ZIP) and the photos taken at check-in.

Every picture goes through the image intake (`vision.ingest`: size, type and pixel limits
before any decode) and is kept like evidence, unchanged under its SHA-256 with a display copy
and a thumbnail (`evidence_store`). The import is one transaction and all or nothing: a dry run
says what would happen and writes nothing; a real one with any problem writes nothing either.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING

from flask import current_app

from proctor.concurrency import offload, offload_each
from proctor.database import end_read_transaction, utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Candidate,
    CheckinPhoto,
    Person,
    RegistrationPhoto,
    Sitting,
    User,
)
from proctor.services import audit, evidence_store, idempotent, photo_zip
from proctor.services.evidence import ingest_error, server_client_id
from proctor.vision_headers import IngestError

if TYPE_CHECKING:
    from proctor.vision import Ingested

REGISTRATION_DISPLAY = 800  # a registration photo's display copy (the card shows it large)
REGISTRATION_THUMB = 160  # the seat grid's small one
CHECKIN_DISPLAY = 1280
WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads putting an import's photos through


@dataclass(frozen=True)
class Problem:
    name: str
    code: str
    message: str


@dataclass
class PhotoImport:
    matched: int = 0
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    unmatched: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Accepted:
    candidate_id: int
    ticket_no: str
    name: str
    data: bytes
    result: Ingested


def _limits() -> photo_zip.Limits:
    config = current_app.config
    return photo_zip.Limits(max_members=config["PHOTO_ZIP_MAX_FILES"],
                            max_total=config["PHOTO_ZIP_MAX_UNPACKED"],
                            max_member=config["EVIDENCE_MAX_BYTES"])


def _who_is_who(sitting: Sitting) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    """The sitting's candidates by ticket number and by ID number: (candidate id, ticket)."""
    rows = db.session.execute(
        db.select(Candidate.id, Candidate.ticket_no, Person.id_number)
        .join(Person, Person.id == Candidate.person_id)
        .where(Candidate.sitting_id == sitting.id)).all()
    return ({t: (c, t) for c, t, _ in rows}, {n.upper(): (c, t) for c, t, n in rows})


@dataclass(frozen=True)
class _Wanted:
    candidate_id: int
    ticket_no: str
    name: str
    data: bytes


def _read_all(stream: IO[bytes], tickets: dict[str, tuple[int, str]],
              numbers: dict[str, tuple[int, str]],
              limits: photo_zip.Limits) -> tuple[PhotoImport, list[_Wanted], str]:
    """Open the ZIP, check it and read every member, matched to its candidate (no database
    work: run in a real thread)."""
    digest = hashlib.sha256()
    stream.seek(0)
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    stream.seek(0)
    archive = photo_zip.open_archive(stream, limits)
    outcome, wanted, taken = PhotoImport(), [], {}
    with archive:
        for item in photo_zip.members(archive, limits):
            if isinstance(item, photo_zip.MemberProblem):
                outcome.errors.append(Problem(item.name, item.code, item.message))
                continue
            found = tickets.get(item.stem) or numbers.get(item.stem.upper())
            if found is None:
                outcome.unmatched.append(item.name)
                continue
            if found[0] in taken:
                outcome.errors.append(Problem(item.name, "duplicate_photo",
                                              f"a second photo of {found[1]} "
                                              f"(the first: {taken[found[0]]})"))
                continue
            taken[found[0]] = item.name
            wanted.append(_Wanted(found[0], found[1], item.name, item.data))
    outcome.unmatched.sort()
    return outcome, wanted, digest.hexdigest()


def _ingest_batch(job: tuple[list[_Wanted], int, int]) -> list[_Accepted | Problem]:
    """The intake of some of the photos (one thread's share)."""
    from proctor import vision  # cv2, after create_app set its limit

    batch, max_bytes, max_pixels = job
    done: list[_Accepted | Problem] = []
    for photo in batch:
        try:
            result = vision.ingest(photo.data, max_bytes=max_bytes, max_pixels=max_pixels,
                                   display_max=REGISTRATION_DISPLAY, thumb_max=REGISTRATION_THUMB)
            if result.kind not in ("jpeg", "png"):
                raise IngestError("not_an_image", "Only JPEG and PNG photos.")
        except IngestError as exc:
            done.append(Problem(photo.name, exc.code, exc.message))
            continue
        done.append(_Accepted(photo.candidate_id, photo.ticket_no, photo.name, photo.data,
                              result))
    return done


def _store_batch(batch: list[_Accepted]) -> None:
    for photo in batch:
        result = photo.result
        evidence_store.store(result.sha256, photo.data, result.display_jpeg,
                             result.thumbnail_jpeg, sync=False)


def _shares(items: list, workers: int) -> list[list]:  # type: ignore[type-arg]
    return [items[i::workers] for i in range(min(workers, len(items)))] or [[]]


def _check_all(stream: IO[bytes], tickets: dict[str, tuple[int, str]],
               numbers: dict[str, tuple[int, str]], limits: photo_zip.Limits,
               max_pixels: int) -> tuple[PhotoImport, list[_Accepted], str]:
    """Read the ZIP, then put its photos through the intake on every core."""
    outcome, wanted, digest = offload(_read_all, stream, tickets, numbers, limits)
    jobs = [(share, limits.max_member, max_pixels) for share in _shares(wanted, WORKERS)]
    accepted: list[_Accepted] = []
    for done in offload_each(_ingest_batch, jobs):
        for item in done:
            if isinstance(item, Problem):
                outcome.errors.append(item)
            else:
                accepted.append(item)
    outcome.matched = len(accepted)
    return outcome, accepted, digest


def import_photos(sitting: Sitting, stream: IO[bytes], filename: str, *, dry_run: bool,
                  who: User) -> PhotoImport:
    """Check every photo of the ZIP; unless `dry_run` and when nothing is wrong, keep them
    (a new photo of a candidate replaces the old one, audited). The caller commits when the
    result has neither `unmatched` nor `errors`, and rolls back otherwise."""
    tickets, numbers = _who_is_who(sitting)
    end_read_transaction(db.session())  # no lock is held while the ZIP is read and decoded
    outcome, accepted, zip_sha = _check_all(stream, tickets, numbers, _limits(),
                                            current_app.config["EVIDENCE_MAX_PIXELS"])
    existing = _existing(accepted)
    _count_changes(outcome, accepted, existing)
    if dry_run or outcome.unmatched or outcome.errors:
        return outcome
    changed = [photo for photo in accepted
               if photo.candidate_id not in existing
               or existing[photo.candidate_id].sha256 != photo.result.sha256]
    offload_each(_store_batch, _shares(changed, WORKERS))
    offload(evidence_store.sync_all)  # on disk before the rows that name them are committed
    now = utcnow()
    for photo in changed:
        result = photo.result
        old = existing.get(photo.candidate_id)
        if old is None:
            old = RegistrationPhoto(candidate_id=photo.candidate_id)
            db.session.add(old)
        else:
            audit.record("registration_photo_replaced", "candidate", photo.candidate_id,
                         ticket_no=photo.ticket_no, previous_sha256=old.sha256,
                         sha256=result.sha256, source_name=photo.name)
        old.sha256, old.media_type, old.size = result.sha256, f"image/{result.kind}", result.size
        old.width, old.height, old.source_name = result.width, result.height, photo.name[:255]
        old.imported_by, old.imported_at, old.faces = who.id, now, None
    audit.record("photos_imported", "sitting", sitting.id, filename=filename, zip_sha256=zip_sha,
                 matched=outcome.matched, new=outcome.new, replaced=outcome.replaced,
                 unchanged=outcome.unchanged)
    return outcome


def _existing(accepted: list[_Accepted]) -> dict[int, RegistrationPhoto]:
    ids = [photo.candidate_id for photo in accepted]
    found: dict[int, RegistrationPhoto] = {}
    for start in range(0, len(ids), 500):
        for row in db.session.scalars(db.select(RegistrationPhoto).where(
                RegistrationPhoto.candidate_id.in_(ids[start:start + 500]))):
            found[row.candidate_id] = row
    return found


def _count_changes(outcome: PhotoImport, accepted: list[_Accepted],
                   existing: dict[int, RegistrationPhoto]) -> None:
    for photo in accepted:
        old = existing.get(photo.candidate_id)
        if old is None:
            outcome.new += 1
        elif old.sha256 == photo.result.sha256:
            outcome.unchanged += 1
        else:
            outcome.replaced += 1


def registration_photo(candidate: Candidate) -> RegistrationPhoto | None:
    return db.session.get(RegistrationPhoto, candidate.id)


def picture_file(sha256: str, variant: str):  # type: ignore[no-untyped-def]
    """The stored file of a picture (display, thumb or face crop), or 404."""
    path = evidence_store.path_for(sha256, variant)
    if not path.exists():
        if variant == "face":
            raise ApiError(404, "no_face_crop", "No single face was found in this picture.")
        raise ApiError(404, "photo_file_missing", "The stored file is missing.")
    return path


# -- the photo taken at check-in ----------------------------------------------------------
@dataclass(frozen=True)
class _Examined:
    result: Ingested
    faces: int
    crop: bytes | None
    registration_faces: int | None
    registration_crop: bytes | None


def _examine(data: bytes, registration_sha: str | None, registration_faces: int | None,
             max_bytes: int, max_pixels: int) -> _Examined:
    """Intake, face detection and crops of both pictures (no database work). The registration
    photo's faces, once found at an earlier check, are not looked for again."""
    from proctor import vision, vision_faces  # cv2 and the cascade load on first use

    try:
        result = vision.ingest(data, max_bytes=max_bytes, max_pixels=max_pixels,
                               display_max=CHECKIN_DISPLAY, thumb_max=320)
    except IngestError as exc:
        raise ingest_error(exc) from None
    door = vision_faces.faces_in_jpeg(result.display_jpeg)
    if registration_sha is None:
        return _Examined(result, door.count, door.crop_jpeg, None, None)
    known = registration_faces is not None and (
        registration_faces != 1 or evidence_store.path_for(registration_sha, "face").exists())
    if known:
        return _Examined(result, door.count, door.crop_jpeg, registration_faces, None)
    path = evidence_store.path_for(registration_sha, "display")
    if not path.exists():
        return _Examined(result, door.count, door.crop_jpeg, None, None)
    registration = vision_faces.faces_in_jpeg(path.read_bytes())
    return _Examined(result, door.count, door.crop_jpeg, registration.count,
                     registration.crop_jpeg)


def add_checkin_photo(candidate: Candidate, data: bytes, *, client_id: str | None,
                      taken_at: datetime, device: str | None,
                      who: User) -> tuple[CheckinPhoto, bool]:
    """Keep a photo taken at the door and find the faces in it and in the registration photo
    (a replay of its client_id answers the photo it made for this candidate)."""
    registration = registration_photo(candidate)
    registration_sha = registration.sha256 if registration else None
    files: list[_Examined] = []

    def make() -> CheckinPhoto:
        end_read_transaction(db.session())  # the intake and the detector hold no lock
        seen = offload(_examine, data, registration_sha,
                       registration.faces if registration else None,
                       current_app.config["EVIDENCE_MAX_BYTES"],
                       current_app.config["EVIDENCE_MAX_PIXELS"])
        files.append(seen)
        result = seen.result
        return CheckinPhoto(client_id=key, candidate_id=candidate.id, sha256=result.sha256,
                            media_type=f"image/{result.kind}", size=result.size,
                            width=result.width, height=result.height, faces=seen.faces,
                            registration_sha256=registration_sha,
                            registration_faces=seen.registration_faces,
                            device=(device or "")[:255] or None, taken_at=taken_at,
                            taken_by=who.id)

    key = server_client_id("checkin") if client_id is None else client_id
    row, created = idempotent.insert_once(CheckinPhoto, key, make,
                                          same_target=lambda f: f.candidate_id == candidate.id)
    if created:
        seen = files[0]
        evidence_store.store(row.sha256, data, seen.result.display_jpeg,
                             seen.result.thumbnail_jpeg)
        if seen.crop is not None:
            evidence_store.store_variant(row.sha256, "face", seen.crop)
        if registration is not None and seen.registration_faces is not None:
            registration.faces = seen.registration_faces
            if seen.registration_crop is not None:
                evidence_store.store_variant(registration.sha256, "face", seen.registration_crop)
        audit.record("checkin_photo_taken", "candidate", candidate.id,
                     ticket_no=candidate.ticket_no, checkin_photo_id=row.id, sha256=row.sha256,
                     size=row.size, faces=row.faces, registration_sha256=registration_sha,
                     registration_faces=row.registration_faces, device=row.device,
                     taken_at=row.taken_at.isoformat())
    return row, created


def checkin_photo_of(candidate: Candidate, photo_id: int, field: str = "path") -> CheckinPhoto:
    """A check-in photo of this candidate (404 in a path, 422 in a body, for any other)."""
    row = db.session.get(CheckinPhoto, photo_id)
    if row is None or row.candidate_id != candidate.id:
        raise ApiError(404 if field == "path" else 422, "checkin_photo_not_found",
                       f"no check-in photo {photo_id} of {candidate.ticket_no}",
                       None if field == "path" else field)
    return row


def latest_checkin_photo(candidate: Candidate) -> CheckinPhoto | None:
    return db.session.scalar(db.select(CheckinPhoto).where(
        CheckinPhoto.candidate_id == candidate.id).order_by(CheckinPhoto.id.desc()).limit(1))
