"""Where evidence files live: outside the web root, in the data folder, content-addressed.

    evidence/originals/ab/<sha256>          the bytes as received, never changed
    evidence/derived/ab/<sha256>.display.jpg a display copy (EXIF orientation applied, no EXIF)
    evidence/derived/ab/<sha256>.thumb.jpg   a thumbnail (the same)

An original is written once (to a temporary file, then renamed into place), so two uploads of
the same photo share one file, and a half-written file never carries a hash name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

VARIANTS = ("original", "display", "thumb", "face")  # face: the identity check's crop


def root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "evidence"


def path_for(sha256: str, variant: str = "original") -> Path:
    if variant not in VARIANTS or len(sha256) != 64 or not all(c in "0123456789abcdef"
                                                                for c in sha256):
        raise ValueError("bad evidence address")
    if variant == "original":
        return root() / "originals" / sha256[:2] / sha256
    return root() / "derived" / sha256[:2] / f"{sha256}.{variant}.jpg"


def _write_once(target: Path, data: bytes, sync: bool = True) -> None:
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.chmod(temp, 0o440)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def store(sha256: str, original: bytes, display: bytes, thumb: bytes, *,
          sync: bool = True) -> None:
    """Keep the original and its two derived copies (idempotent). `sync=False`: many files at
    once (an import of thousands of photos), flushed to disk together by `sync_all()`."""
    if hashlib.sha256(original).hexdigest() != sha256:
        raise ValueError("the bytes do not match their hash")
    _write_once(path_for(sha256, "original"), original, sync)
    _write_once(path_for(sha256, "display"), display, sync)
    _write_once(path_for(sha256, "thumb"), thumb, sync)


def sync_all() -> None:
    """Flush every file written with `sync=False` to disk (one sync instead of one a file)."""
    os.sync()


def store_variant(sha256: str, variant: str, data: bytes) -> None:
    """Keep one more copy made from a stored picture (the identity check's face crop)."""
    if variant in ("original", "display", "thumb"):
        raise ValueError("the intake's own copies are kept by store()")
    _write_once(path_for(sha256, variant), data)


def store_original(sha256: str, original: bytes) -> None:
    """Keep a file that has no picture copies (a PDF handed in with a statement)."""
    if hashlib.sha256(original).hexdigest() != sha256:
        raise ValueError("the bytes do not match their hash")
    _write_once(path_for(sha256, "original"), original)


def rehash(sha256: str) -> str | None:
    """The SHA-256 of the stored original as it is now (None if the file is gone)."""
    path = path_for(sha256)
    if not path.exists():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def delete(sha256: str) -> None:
    for variant in VARIANTS:
        path_for(sha256, variant).unlink(missing_ok=True)
