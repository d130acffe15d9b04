"""Image headers read without decoding: format sniffing, dimensions and EXIF orientation.

Pure Python on bytes (no cv2, no numpy), so the pixel-flood check can run before any decoder
touches the data. Every reader is bounded: it jumps from segment to segment or chunk to chunk,
checks each length against the data it has, and turns anything malformed into `IngestError`.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator

KINDS = ("jpeg", "png", "webp")

_MESSAGES = {
    "not_an_image": (422, "The file is not a JPEG, PNG or WebP image."),
    "unsupported_image_type": (422, "This kind of image is not accepted (e.g. animated WebP)."),
    "image_too_large": (413, "The file is too large."),
    "too_many_pixels": (413, "The image has too many pixels."),
    "corrupt_image": (422, "The image is damaged or incomplete and cannot be read."),
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# SOF0-3, 5-7, 9-11, 13-15: every frame header that carries the image size (not DHT C4,
# JPG C8 or DAC CC, which share the range).
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
                       0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 stand alone
_FILL = re.compile(rb"\xff+")
_MAX_SEGMENTS = 4096
_MAX_CHUNKS = 4096
_EXIF_PREFIX = b"Exif\x00\x00"
_ORIENTATION_TAG = 0x0112


class IngestError(Exception):
    """A refused upload: `code` is the API's error code, `status` its HTTP status."""

    def __init__(self, code: str, message: str | None = None) -> None:
        status, default = _MESSAGES[code]
        super().__init__(message or default)
        self.code = code
        self.status = status
        self.message = message or default


def sniff(data: bytes) -> str:
    """Name the format from its magic bytes: 'jpeg', 'png' or 'webp'; anything else is refused."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == PNG_SIGNATURE:
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise IngestError("not_an_image")


def dimensions(data: bytes, kind: str) -> tuple[int, int]:
    """(width, height) as the header declares them, without decoding a single pixel."""
    if kind == "jpeg":
        width, height = _jpeg_dimensions(data)
    elif kind == "png":
        width, height = _png_dimensions(data)
    elif kind == "webp":
        width, height = _webp_dimensions(data)
    else:
        raise IngestError("unsupported_image_type")
    if width <= 0 or height <= 0:
        raise IngestError("corrupt_image", "The image header declares an empty image.")
    return width, height


def exif_orientation(data: bytes, kind: str) -> int:
    """EXIF orientation 1..8 (tag 0x0112 of IFD0); 1 when absent, unreadable or out of range."""
    try:
        tiff = _exif_block(data, kind)
    except IngestError:
        return 1
    return 1 if tiff is None else _tiff_orientation(tiff)


# --- JPEG -------------------------------------------------------------------------------------


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, payload start, payload end) for each segment before the first scan.

    Like libjpeg's next_marker, bytes between segments are skipped up to the next 0xFF and
    runs of 0xFF fill bytes are allowed, so this walker sees the same SOF libjpeg will use.
    """
    if data[:2] != b"\xff\xd8":
        raise IngestError("corrupt_image")
    pos = 2
    for _ in range(_MAX_SEGMENTS):
        pos = data.find(b"\xff", pos)
        fill = _FILL.match(data, pos) if pos >= 0 else None
        if fill is None or fill.end() >= len(data):
            raise IngestError("corrupt_image", "The JPEG ends before its image data.")
        marker, pos = data[fill.end()], fill.end() + 1
        if marker == 0 or marker in _JPEG_NO_LENGTH:
            continue
        if marker in (0xD8, 0xD9, 0xDA):  # a second SOI, EOI, or a scan before any frame
            yield marker, pos, pos
            return
        if pos + 2 > len(data):
            raise IngestError("corrupt_image", "The JPEG ends inside a segment header.")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2 or pos + length > len(data):
            raise IngestError("corrupt_image", "A JPEG segment length is out of bounds.")
        yield marker, pos + 2, pos + length
        pos += length
    raise IngestError("corrupt_image", "The JPEG has too many segments.")


def _jpeg_dimensions(data: bytes) -> tuple[int, int]:
    for marker, start, end in _jpeg_segments(data):
        if marker in _JPEG_SOF:
            if end - start < 6:
                raise IngestError("corrupt_image", "The JPEG frame header is too short.")
            height, width = struct.unpack_from(">HH", data, start + 1)
            return width, height
        if marker in (0xD8, 0xD9, 0xDA):
            break
    raise IngestError("corrupt_image", "The JPEG has no frame header.")


# --- PNG --------------------------------------------------------------------------------------


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each complete chunk, up to IEND."""
    pos = len(PNG_SIGNATURE)
    for _ in range(_MAX_CHUNKS):
        if pos + 12 > len(data):
            return
        length, ctype = struct.unpack_from(">I4s", data, pos)
        end = pos + 8 + length
        if end + 4 > len(data):
            return
        yield ctype, pos + 8, end
        if ctype == b"IEND":
            return
        pos = end + 4


def _png_dimensions(data: bytes) -> tuple[int, int]:
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise IngestError("corrupt_image", "The PNG does not start with its IHDR header.")
    if zlib.crc32(data[12:29]) != struct.unpack_from(">I", data, 29)[0]:
        raise IngestError("corrupt_image", "The PNG header checksum is wrong.")
    width, height = struct.unpack_from(">II", data, 16)
    if width > 0x7FFFFFFF or height > 0x7FFFFFFF:
        raise IngestError("corrupt_image", "The PNG header declares an impossible size.")
    return width, height


# --- WebP -------------------------------------------------------------------------------------


def _riff_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, payload start, payload end) of each WebP chunk that fits in the data."""
    pos = 12
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > len(data):
            return
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        if pos + 8 + size > len(data):
            return
        yield fourcc, pos + 8, pos + 8 + size
        pos += 8 + size + (size & 1)


def _webp_dimensions(data: bytes) -> tuple[int, int]:
    first = next(_riff_chunks(data), None)
    if first is None:
        raise IngestError("corrupt_image", "The WebP ends before its first chunk.")
    fourcc, start, end = first
    payload = data[start:end]
    if fourcc == b"VP8X" and len(payload) >= 10:
        if payload[0] & 0x02:
            raise IngestError("unsupported_image_type", "Animated WebP images are not accepted.")
        width = int.from_bytes(payload[4:7], "little") + 1
        return width, int.from_bytes(payload[7:10], "little") + 1
    if fourcc == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
        if payload[0] & 0x01:
            raise IngestError("corrupt_image", "The WebP does not start with a key frame.")
        width, height = struct.unpack_from("<HH", payload, 6)
        return width & 0x3FFF, height & 0x3FFF
    if fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
        bits = int.from_bytes(payload[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise IngestError("corrupt_image", "The WebP has no readable image header.")


# --- EXIF -------------------------------------------------------------------------------------


def _exif_block(data: bytes, kind: str) -> bytes | None:
    """The TIFF structure inside the image's EXIF metadata, if there is one."""
    if kind == "jpeg":
        for marker, start, end in _jpeg_segments(data):
            if marker in (0xD8, 0xD9, 0xDA):
                return None
            if marker == 0xE1 and data[start:start + 6] == _EXIF_PREFIX:
                return data[start + 6:end]
        return None
    chunks = _png_chunks(data) if kind == "png" else _riff_chunks(data) if kind == "webp" else ()
    wanted = b"eXIf" if kind == "png" else b"EXIF"
    for ctype, start, end in chunks:
        if ctype == wanted:
            block = data[start:end]
            return block[6:] if block.startswith(_EXIF_PREFIX) else block
    return None


def _tiff_orientation(tiff: bytes) -> int:
    """Tag 0x0112 of IFD0 in a TIFF structure of either byte order; 1 if absent or invalid."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8 or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
        return 1
    ifd = struct.unpack_from(order + "I", tiff, 4)[0]
    if ifd + 2 > len(tiff):
        return 1
    count = min(struct.unpack_from(order + "H", tiff, ifd)[0], (len(tiff) - ifd - 2) // 12)
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        tag, kind = struct.unpack_from(order + "HH", tiff, entry)
        if tag != _ORIENTATION_TAG:
            continue
        if kind == 3:  # SHORT
            value = struct.unpack_from(order + "H", tiff, entry + 8)[0]
        elif kind == 4:  # LONG
            value = struct.unpack_from(order + "I", tiff, entry + 8)[0]
        else:
            return 1
        return value if 1 <= value <= 8 else 1
    return 1
