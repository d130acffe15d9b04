"""Fuzzing ingest(): whatever the bytes, only IngestError comes out, and a success is coherent.

Seeds are tiny real images (with and without EXIF) so mutations reach the header parsers and
the decoders rather than stopping at the magic bytes; max_pixels is kept small so a mutated
header cannot make a run decode megapixels."""

from __future__ import annotations

import hashlib
import struct

import cv2
import media
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proctor.vision import IngestError, dimensions, exif_orientation, ingest, sniff

LIMITS = {"max_bytes": 64 * 1024, "max_pixels": 250_000, "display_max": 48, "thumb_max": 16}
FUZZ = settings(max_examples=3000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def _seeds() -> list[bytes]:
    scene = media.upright_scene(24, 18)
    jpeg = media.encode(scene, ".jpg", cv2.IMWRITE_JPEG_QUALITY, 70)
    webp = media.encode(scene, ".webp", cv2.IMWRITE_WEBP_QUALITY, 60)
    return [
        jpeg,
        media.encode(scene, ".jpg", cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
        media.jpeg_with_exif(jpeg, media.exif_tiff(6)),
        media.jpeg_with_exif(jpeg, media.exif_tiff(3, big_endian=True)),
        media.encode(scene, ".png"),
        media.png_with_exif(media.encode(scene[:, :, 0], ".png"), media.exif_tiff(8)),
        webp,
        media.encode(scene, ".webp"),  # lossless VP8L
        media.webp_with_exif(webp, media.exif_tiff(5), 24, 18),
    ]


SEEDS = _seeds()
HEADERS = [b"\xff\xd8\xff", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xc0\x00\x11\x08",
           media.PNG_SIGNATURE, media.PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDR",
           b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"RIFF\xff\xff\xff\xffWEBPVP8L",
           b"RIFF\x20\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00"]


def check(data: bytes) -> None:
    """The property: IngestError or a result consistent with the input."""
    try:
        result = ingest(data, **LIMITS)
    except IngestError as error:
        assert error.status in (413, 422) and error.code and error.message
        return
    assert result.kind == sniff(data)
    assert (result.width, result.height) == dimensions(data, result.kind)
    assert result.orientation == exif_orientation(data, result.kind)
    assert result.width * result.height <= LIMITS["max_pixels"]
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)
    turned = result.orientation >= 5
    upright = (result.height, result.width) if turned else (result.width, result.height)
    assert max(result.display_size) <= LIMITS["display_max"]
    assert max(result.thumb_size) <= LIMITS["thumb_max"]
    for jpeg, size in ((result.display_jpeg, result.display_size),
                       (result.thumbnail_jpeg, result.thumb_size)):
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and (image.shape[1], image.shape[0]) == size
        # Same aspect as the upright original, to within rounding of one pixel.
        assert abs(size[0] * upright[1] - size[1] * upright[0]) <= max(upright)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "dup"]))
        low = 0 if draw(st.integers(0, 9)) == 0 else max(0, min(12, len(data) - 1))
        at = draw(st.integers(low, max(low, len(data) - 1)))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set" and at < len(data):
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0xD9, 0xDA, 0xE1]))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif action == "dup":
            data[at:at] = data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


@st.composite
def header_with_tail(draw: st.DrawFn) -> bytes:
    head = draw(st.sampled_from(HEADERS))
    if head.endswith(b"IHDR"):
        width, height = draw(st.integers(0, 2**32 - 1)), draw(st.integers(0, 2**32 - 1))
        head += struct.pack(">II", width, height)
    return head + draw(st.binary(max_size=512))


@FUZZ
@given(st.binary(max_size=1024))
def test_random_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(mutated())
def test_mutated_real_images(data: bytes) -> None:
    check(data)


@FUZZ
@given(header_with_tail())
def test_valid_headers_with_random_tails(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.one_of(st.binary(max_size=256), mutated(), header_with_tail()),
       st.sampled_from(["jpeg", "png", "webp"]))
def test_header_readers_on_any_bytes_and_any_claimed_kind(data: bytes, kind: str) -> None:
    """The readers themselves, even when told the wrong format: IngestError or an answer."""
    try:
        width, height = dimensions(data, kind)
    except IngestError:
        pass
    else:
        assert width > 0 and height > 0
    assert 1 <= exif_orientation(data, kind) <= 8


def test_seeds_are_accepted() -> None:
    for seed in SEEDS:
        check(seed)
        assert ingest(seed, **LIMITS).width == 24
