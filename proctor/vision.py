"""Evidence photos in, safe derivatives out: numpy/bytes-in, result-out functions around OpenCV.

`ingest` checks an upload before any decoder sees it (size, magic bytes, header dimensions,
pixel count), decodes it with EXIF orientation explicitly ignored by OpenCV, applies the
orientation itself, and re-encodes a display copy and a thumbnail as fresh JPEGs. Re-encoding
from pixels writes no metadata at all, so EXIF and GPS never leave the original, which the
caller stores unchanged under its SHA-256.

OpenCV reads `OPENCV_IO_MAX_IMAGE_PIXELS` once, when cv2 is first imported in the process, so it
is set here before the import; whatever imports cv2 earlier (the app factory, run.py) must set it
too, or import this module first.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from proctor.vision_headers import IngestError, dimensions, exif_orientation, sniff

MAX_PIXELS = 50_000_000
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))

import cv2  # noqa: E402  (must follow the limit above)
import numpy as np  # noqa: E402

__all__ = ["IngestError", "Ingested", "apply_orientation", "dimensions", "encode_jpeg",
           "exif_orientation", "ingest", "sniff", "MAX_BYTES", "MAX_PIXELS"]

MAX_BYTES = 15 * 1024 * 1024
# IMREAD_COLOR alone rotates by EXIF in OpenCV 5 (JPEG, PNG eXIf and WebP EXIF alike);
# IGNORE_ORIENTATION keeps the stored pixel order so `apply_orientation` is the only rotation.
DECODE_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
DERIVATIVE_QUALITY = 85


@dataclass(frozen=True)
class Ingested:
    """An accepted photo: facts about the original and JPEG derivatives without metadata."""

    kind: str
    sha256: str
    size: int
    width: int
    height: int
    orientation: int
    display_jpeg: bytes
    thumbnail_jpeg: bytes
    display_size: tuple[int, int]
    thumb_size: tuple[int, int]


def ingest(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS,
           display_max: int = 2048, thumb_max: int = 320) -> Ingested:
    """Check, decode, orient and re-encode an uploaded photo; raise `IngestError` if refused.

    Order matters: nothing is decoded until the byte size, the magic bytes and the pixel count
    declared in the header have all passed. width/height are those of the original as stored
    (before orientation); the derivatives are upright and fit in display_max / thumb_max.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("ingest() needs the uploaded bytes")
    if display_max < 1 or thumb_max < 1:
        raise ValueError("display_max and thumb_max must be positive")
    data = bytes(data)
    if len(data) > max_bytes:
        raise IngestError("image_too_large",
                          f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    kind = sniff(data)
    width, height = dimensions(data, kind)
    if width * height > max_pixels:
        raise IngestError("too_many_pixels",
                          f"The image has {width}x{height} pixels; at most {max_pixels} allowed.")
    orientation = exif_orientation(data, kind)
    upright = apply_orientation(_decode(data, width, height, kind), orientation)
    display = _fit(upright, display_max)
    thumb = _fit(display, thumb_max)
    return Ingested(
        kind=kind, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        width=width, height=height, orientation=orientation,
        display_jpeg=encode_jpeg(display, DERIVATIVE_QUALITY),
        thumbnail_jpeg=encode_jpeg(thumb, DERIVATIVE_QUALITY),
        display_size=(display.shape[1], display.shape[0]),
        thumb_size=(thumb.shape[1], thumb.shape[0]),
    )


def _decode(data: bytes, width: int, height: int, kind: str = "jpeg") -> np.ndarray:
    """Decode to 8-bit BGR in stored pixel order; the result must match the header's size.

    PNG and WebP may be transparent (a signature drawn on the tablet's canvas is): they are
    decoded with their alpha and laid on white, as on paper — decoding them as colour alone
    keeps the colour under the transparent pixels, which is black."""
    flags = DECODE_FLAGS if kind == "jpeg" else cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as exc:
        if "CV_IO_MAX_IMAGE_PIXELS" in str(exc):
            raise IngestError("too_many_pixels") from exc
        raise IngestError("corrupt_image") from exc
    if image is not None and kind != "jpeg":
        image = _as_bgr_on_white(image)
    if image is None or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise IngestError("corrupt_image")
    if image.shape[:2] != (height, width):
        # The decoder saw another size than the header we checked: refuse rather than guess.
        raise IngestError("corrupt_image", "The image size does not match its header.")
    return image


def _as_bgr_on_white(image: np.ndarray) -> np.ndarray | None:
    """8-bit BGR from what IMREAD_UNCHANGED gives (grey, BGR or BGRA, 8 or 16 bits a sample),
    transparent parts on white."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.dtype != np.uint8:
        return None
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        return None
    if image.shape[2] == 3:
        return image
    alpha = image[:, :, 3:4].astype(np.uint16)
    colour = image[:, :, :3].astype(np.uint16)
    return ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn a stored image upright according to its EXIF orientation (1..8; others = 1)."""
    if orientation == 2:
        return cv2.flip(image, 1)
    if orientation == 3:
        return cv2.rotate(image, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(image, 0)
    if orientation == 5:
        return cv2.transpose(image)
    if orientation == 6:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.rotate(cv2.transpose(image), cv2.ROTATE_180)
    if orientation == 8:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


def _fit(image: np.ndarray, longest: int) -> np.ndarray:
    """Shrink (never enlarge) so the longer side is at most `longest`, with INTER_AREA."""
    height, width = image.shape[:2]
    scale = longest / max(width, height)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def encode_jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    """Encode an 8-bit grey, BGR or BGRA frame as a baseline JPEG with no metadata."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
        raise ValueError("encode_jpeg() needs a non-empty uint8 array")
    if frame.ndim == 3 and frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] in (1, 3))):
        raise ValueError(f"encode_jpeg() cannot encode an array of shape {frame.shape}")
    ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("OpenCV could not encode the frame as JPEG")
    return buffer.tobytes()
