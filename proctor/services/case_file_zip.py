"""The case file written as one ZIP, with a manifest of every file's SHA-256 and size.

    manifest.json   every file (path, SHA-256, size, media type), what was left out and why,
                    the problems found, the incident, who exported it and when, the audit head
    SHA256SUMS      `sha256sum -c SHA256SUMS` checks every file, manifest.json included

A stored file (an evidence original) is copied into the ZIP in blocks, hashed as it goes, so a
photo of hundreds of MB is never held in memory; the ZIP itself is kept in memory up to
IN_MEMORY_BYTES (and sent as bytes), then in a temporary file (deleted when it is closed).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

IN_MEMORY_BYTES = 8 * 1024 * 1024
BLOCK = 1 << 20
MANIFEST, SUMS = "manifest.json", "SHA256SUMS"


@dataclass(frozen=True)
class Part:
    """One file of the case file: bytes made now, or a stored file copied in (`source`)."""

    path: str
    media_type: str
    data: bytes = b""
    source: Path | None = None


def json_part(path: str, value: Any) -> Part:
    """A JSON document, readable (indented, Chinese as is)."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return Part(path, "application/json", (text + "\n").encode())


@dataclass
class Listed:
    path: str
    sha256: str
    size: int
    media_type: str


@dataclass
class Written:
    """The ZIP, as bytes up to IN_MEMORY_BYTES, else a temporary file at its start (whoever
    sends it closes it, which deletes it), and what its manifest says."""

    out: bytes | IO[bytes]
    size: int
    manifest_sha256: str
    files: list[Listed] = field(default_factory=list)


def write_zip(parts: list[Part], about: dict[str, Any], moment: datetime) -> Written:
    """Every part, then manifest.json (`about` and the list of files), then SHA256SUMS.
    `moment` (venue time) dates the ZIP's entries."""
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES,  # noqa: SIM115
                                                   prefix="case-file-", suffix=".zip")
    try:
        stamp = moment.timetuple()[:6]
        listed: list[Listed] = []
        with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
            for part in parts:
                listed.append(_write(archive, part, stamp))
            manifest = json_part(MANIFEST, {**about, "files": [vars(f) for f in listed]})
            listed_manifest = _write(archive, manifest, stamp)
            sums = "".join(f"{f.sha256}  {f.path}\n" for f in [*listed, listed_manifest])
            _write(archive, Part(SUMS, "text/plain", sums.encode()), stamp)
        size = out.tell()
        out.seek(0)
        content: bytes | IO[bytes] = out
        if size <= IN_MEMORY_BYTES:
            content = out.read()
            out.close()
    except BaseException:
        out.close()
        raise
    return Written(content, size, listed_manifest.sha256, listed)


def _write(archive: zipfile.ZipFile, part: Part, stamp: tuple[int, ...]) -> Listed:
    info = zipfile.ZipInfo(part.path, date_time=stamp)  # type: ignore[arg-type]
    # Photos and PDFs are compressed already; JSON and text shrink.
    info.compress_type = (zipfile.ZIP_STORED if part.source is not None
                          or part.media_type == "application/pdf" else zipfile.ZIP_DEFLATED)
    info.external_attr = 0o644 << 16
    digest, size = hashlib.sha256(), 0
    with archive.open(info, "w", force_zip64=part.source is not None) as target:
        if part.source is None:
            digest.update(part.data)
            target.write(part.data)
            size = len(part.data)
        else:
            with part.source.open("rb") as handle:
                for block in iter(lambda: handle.read(BLOCK), b""):
                    digest.update(block)
                    target.write(block)
                    size += len(block)
    return Listed(part.path, digest.hexdigest(), size, part.media_type)
