"""Faces for the identity check (人证核验): find them, crop them to one size. Never compare.

OpenCV's Haar cascade (`haarcascade_frontalface_default.xml`) finds frontal faces; the card
shows the registration photo's face and the door photo's face side by side at the same size,
and the invigilator decides. The detector's only words are "no face found" and "more than one
face": there is no similarity score. The cascade is the one opencv-python's wheel ships in
`cv2.data.haarcascades` (OpenCV 4; pyproject.toml keeps OpenCV below 5, whose wheels do not).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from proctor import vision  # sets OpenCV's pixel limit before cv2 is imported

cv2, np = vision.cv2, vision.np

CASCADE_NAME = "haarcascade_frontalface_default.xml"
CROP_SIZE = (240, 300)  # width, height of every face crop: both pictures alike
DETECT_MAX = 480  # faces are looked for in a copy no larger than this (speed; boxes scale back)
CROP_QUALITY = 90
MIN_FACE = 0.2  # the smallest face looked for, as a share of the picture's shorter side

_local = threading.local()  # a CascadeClassifier is not safe to share between threads


def cascade_path() -> str:
    return str(Path(getattr(getattr(cv2, "data", None), "haarcascades", "") or ".")
               / CASCADE_NAME)


def _cascade():  # type: ignore[no-untyped-def]
    found = getattr(_local, "cascade", None)
    if found is None:
        found = cv2.CascadeClassifier(cascade_path())
        if found.empty():
            raise RuntimeError(f"the face cascade {cascade_path()} could not be loaded")
        _local.cascade = found
    return found


@dataclass(frozen=True)
class Faces:
    """The faces found in a picture (boxes x, y, w, h in its pixels) and, when there is exactly
    one, its crop as a JPEG of CROP_SIZE."""

    boxes: tuple[tuple[int, int, int, int], ...]
    crop_jpeg: bytes | None

    @property
    def count(self) -> int:
        return len(self.boxes)


def find_faces(image: np.ndarray) -> tuple[tuple[int, int, int, int], ...]:
    """Frontal faces in a BGR picture, largest first."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    height, width = grey.shape[:2]
    scale = min(1.0, DETECT_MAX / max(width, height))
    small = grey if scale >= 1 else cv2.resize(
        grey, (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA)
    small = cv2.equalizeHist(small)
    # A face at the desk fills much of the picture (an ID photo, a photo at the door): looking
    # only for faces of a fifth of the shorter side or more, in steps of 1.2, is fast and
    # keeps the background's false faces out.
    least = max(24, round(min(small.shape[:2]) * MIN_FACE))
    found = _cascade().detectMultiScale(small, scaleFactor=1.2, minNeighbors=8,
                                        minSize=(least, least))
    boxes = [tuple(int(round(v / scale)) for v in box) for box in found]
    boxes.sort(key=lambda b: b[2] * b[3], reverse=True)
    return tuple(boxes)  # type: ignore[arg-type]


def crop_face(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The face with its hair and chin, portrait like an ID photo, at CROP_SIZE; edges beyond
    the picture are filled from its border."""
    x, y, w, h = box
    out_w, out_h = CROP_SIZE
    crop_h = round(h * 1.7)
    crop_w = round(crop_h * out_w / out_h)
    left, top = x + w // 2 - crop_w // 2, y + h // 2 - round(crop_h * 0.45)
    pad = max(0, -left, -top, left + crop_w - image.shape[1], top + crop_h - image.shape[0])
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        left, top = left + pad, top + pad
    piece = image[top:top + crop_h, left:left + crop_w]
    return cv2.resize(piece, CROP_SIZE, interpolation=cv2.INTER_AREA)


def faces_in_jpeg(data: bytes) -> Faces:
    """Decode a display copy (upright, no metadata: made by `vision.ingest`) and find its
    faces; the crop is made only when there is exactly one."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not a decodable JPEG")
    boxes = find_faces(image)
    crop = vision.encode_jpeg(crop_face(image, boxes[0]), CROP_QUALITY) if len(boxes) == 1 \
        else None
    return Faces(boxes, crop)
