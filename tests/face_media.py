"""Faces for the identity check's tests and bench: scikit-image's astronaut (a real photo that
ships in its wheel, so no network), variants of it, a picture without a face, one with two, and
ZIPs of registration photos."""

from __future__ import annotations

import io
import zipfile

import cv2
import numpy as np
from skimage import data as samples


def astronaut() -> np.ndarray:
    return cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR)


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buffer.tobytes()


def png(image: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", image)
    assert ok
    return buffer.tobytes()


def portrait(image: np.ndarray | None = None) -> np.ndarray:
    """An ID-photo-like portrait of the astronaut: her head and shoulders, 358×441."""
    face = (image if image is not None else astronaut())[0:340, 90:366]
    return cv2.resize(face, (358, 441), interpolation=cv2.INTER_AREA)


def variant(index: int) -> np.ndarray:
    """The index-th of many different portraits: shifted, scaled and lighter or darker."""
    rng = np.random.default_rng(index)
    base = astronaut()
    scale = 0.85 + 0.3 * rng.random()
    dx, dy = (int(v) for v in rng.integers(-20, 21, 2))
    matrix = np.float32([[scale, 0, dx + (1 - scale) * 256], [0, scale, dy + (1 - scale) * 256]])
    moved = cv2.warpAffine(base, matrix, (512, 512), borderMode=cv2.BORDER_REPLICATE)
    lit = cv2.convertScaleAbs(moved, alpha=0.8 + 0.4 * rng.random(),
                              beta=float(rng.integers(-25, 26)))
    return portrait(lit)


def one_face() -> bytes:
    return jpeg(portrait())


def door_photo() -> bytes:
    """The photo at the door as a tablet takes it: head and shoulders, 1280×960."""
    return jpeg(cv2.resize(astronaut()[0:360, 32:512], (1280, 960),
                           interpolation=cv2.INTER_CUBIC))


def no_face() -> bytes:
    return jpeg(cv2.cvtColor(samples.coffee(), cv2.COLOR_RGB2BGR))


def two_faces() -> bytes:
    head = portrait()
    return jpeg(np.hstack([head, np.full((441, 60, 3), 255, np.uint8), head]))


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()
