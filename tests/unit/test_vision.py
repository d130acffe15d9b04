"""proctor.vision: evidence photos are checked before decoding, turned upright explicitly, and
their derivatives carry no metadata. Phone-size files are made with OpenCV on the spot."""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import cv2
import media
import numpy as np
import pytest

from proctor import vision
from proctor.vision import IngestError, dimensions, exif_orientation, ingest, sniff

PHONE = (4032, 3024)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return media.upright_scene(*PHONE)


def assert_upright_derivatives(result: vision.Ingested) -> None:
    for jpeg, size in ((result.display_jpeg, result.display_size),
                       (result.thumbnail_jpeg, result.thumb_size)):
        image = media.decode(jpeg)
        assert (image.shape[1], image.shape[0]) == size
        assert size[0] > size[1], "the scene is landscape once upright"
        x, y = media.red_centre(image)
        assert x < 0.25 and y < 0.25, f"marker at ({x:.2f}, {y:.2f}), not top-left"


def assert_no_metadata(jpeg: bytes) -> None:
    markers = media.jpeg_markers(jpeg)
    assert markers[-1] == 0xDA and 0xE1 not in markers, [hex(m) for m in markers]
    assert b"Exif" not in jpeg and media.MAKE not in jpeg


# --- real phone-size photos -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp"])
def test_phone_photo_is_ingested_upright_without_metadata(kind: str, scene: np.ndarray) -> None:
    stored = media.stored_as(scene, 6)  # a phone held upright stores the sensor's landscape
    if kind == "jpeg":
        data = media.jpeg_with_exif(media.encode(stored, ".jpg", cv2.IMWRITE_JPEG_QUALITY, 92),
                                    media.exif_tiff(6))
    elif kind == "webp":
        data = media.webp_with_exif(media.encode(stored, ".webp", cv2.IMWRITE_WEBP_QUALITY, 80),
                                    media.exif_tiff(6, big_endian=True), 3024, 4032)
    else:
        data = media.png_with_exif(media.encode(stored, ".png"), media.exif_tiff(6))
    result = ingest(data)
    assert result.kind == kind and sniff(data) == kind
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)
    assert (result.width, result.height, result.orientation) == (3024, 4032, 6)
    assert result.display_size == (2048, 1536) and result.thumb_size == (320, 240)
    assert_upright_derivatives(result)
    assert_no_metadata(result.display_jpeg)
    assert_no_metadata(result.thumbnail_jpeg)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_jpeg_orientation_turns_upright(orientation: int, scene: np.ndarray) -> None:
    stored = media.stored_as(scene, orientation)
    tiff = media.exif_tiff(orientation, big_endian=orientation % 2 == 0)
    data = media.jpeg_with_exif(media.encode(stored, ".jpg"), tiff)
    result = ingest(data)
    assert (result.width, result.height) == (stored.shape[1], stored.shape[0])
    assert result.orientation == orientation
    assert_upright_derivatives(result)
    assert_no_metadata(result.thumbnail_jpeg)
    # Cross-check with OpenCV's own EXIF handling (plain IMREAD_COLOR rotates in OpenCV 5).
    oracle = cv2.resize(media.decode(data), result.thumb_size, interpolation=cv2.INTER_AREA)
    ours = media.decode(result.thumbnail_jpeg)
    assert float(np.abs(ours.astype(int) - oracle.astype(int)).mean()) < 3


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_webp_and_png_orientation_turns_upright(orientation: int) -> None:
    upright = media.upright_scene(640, 480)
    stored = media.stored_as(upright, orientation)
    height, width = stored.shape[:2]
    tiff = media.exif_tiff(orientation, big_endian=orientation > 4)
    webp = media.webp_with_exif(media.encode(stored, ".webp", cv2.IMWRITE_WEBP_QUALITY, 90),
                                tiff, width, height)
    png = media.png_with_exif(media.encode(stored, ".png"), tiff)
    for data in (webp, png):
        result = ingest(data)
        assert (result.width, result.height, result.orientation) == (width, height, orientation)
        assert result.display_size == (640, 480)  # never enlarged
        assert_upright_derivatives(result)


def test_opencv_5_rotates_by_exif_unless_told_to_ignore_it(scene: np.ndarray) -> None:
    small = cv2.resize(scene, (400, 300))
    data = media.jpeg_with_exif(media.encode(media.stored_as(small, 6), ".jpg"),
                                media.exif_tiff(6))
    assert media.decode(data, cv2.IMREAD_COLOR).shape[:2] == (300, 400)  # rotated by OpenCV
    assert media.decode(data, vision.DECODE_FLAGS).shape[:2] == (400, 300)  # as stored


# --- headers ----------------------------------------------------------------------------------


def test_headers_are_read_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    image = media.upright_scene(64, 48)
    monkeypatch.setattr(cv2, "imdecode", None)
    for ext, kind in ((".jpg", "jpeg"), (".png", "png"), (".webp", "webp")):
        data = media.encode(image, ext)
        assert sniff(data) == kind
        assert dimensions(data, kind) == (64, 48)
        assert exif_orientation(data, kind) == 1
    progressive = media.encode(image, ".jpg", cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    assert dimensions(progressive, "jpeg") == (64, 48)


@pytest.mark.parametrize("tiff, expected", [
    (media.exif_tiff(9), 1),
    (media.exif_tiff(0), 1),
    (media.exif_tiff(8, gps=False), 8),
    (media.exif_tiff(3, big_endian=True)[:20], 1),  # IFD0 cut short
    (b"XX*\x00\x08\x00\x00\x00", 1),
    (b"", 1),
])
def test_bad_or_odd_exif_falls_back_to_upright(tiff: bytes, expected: int) -> None:
    jpeg = media.encode(media.upright_scene(32, 24), ".jpg")
    assert exif_orientation(media.jpeg_with_exif(jpeg, tiff), "jpeg") == expected


def test_error_codes_and_statuses() -> None:
    expected = {"not_an_image": 422, "unsupported_image_type": 422, "image_too_large": 413,
                "too_many_pixels": 413, "corrupt_image": 422}
    for code, status in expected.items():
        error = IngestError(code)
        assert (error.code, error.status) == (code, status) and error.message == str(error)


# --- refused before decoding ------------------------------------------------------------------


def _other_formats() -> list[tuple[str, bytes]]:
    """Every other format this OpenCV build writes (to memory, or for JPEG 2000 to a file)."""
    image = media.upright_scene(40, 30)
    found = [("hand-made.bmp", media.hand_made_bmp())]
    for ext in (".bmp", ".tiff", ".gif", ".ppm", ".pam", ".hdr", ".ras", ".pfm", ".avif"):
        source = image.astype(np.float32) / 255 if ext in (".hdr", ".pfm") else image
        try:
            ok, buffer = cv2.imencode(ext, source)
        except cv2.error:
            continue
        if ok:
            found.append((ext, buffer.tobytes()))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "image.jp2"
        if cv2.imwrite(str(path), image):
            found.append((".jp2", path.read_bytes()))
    return found


OTHER_FORMATS = _other_formats()


def test_opencv_made_other_formats_exist() -> None:
    assert {".bmp", ".tiff", ".ppm"} <= {name for name, _ in OTHER_FORMATS}


@pytest.mark.parametrize("name, data", OTHER_FORMATS, ids=[name for name, _ in OTHER_FORMATS])
def test_formats_opencv_could_decode_are_refused(name: str, data: bytes) -> None:
    assert media.decode(data).shape[:2] in ((30, 40), (2, 4))  # OpenCV would read it ...
    with pytest.raises(IngestError) as caught:
        ingest(data)
    assert caught.value.code == "not_an_image" and caught.value.status == 422  # ... we do not


@pytest.mark.parametrize("data", [
    b"", b"hello, this is a text file\n", media.zip_of(a="b"), b"GIF89a\x01\x00\x01\x00\x00\x00",
    media.zip_of(photo=media.encode(media.upright_scene(32, 24), ".jpg")),
], ids=["empty", "text", "zip", "gif", "zip-with-jpeg"])
def test_non_images_are_refused(data: bytes) -> None:
    with pytest.raises(IngestError) as caught:
        ingest(data)
    assert caught.value.code == "not_an_image"


def test_size_is_checked_first() -> None:
    with pytest.raises(IngestError) as caught:
        ingest(b"not even an image" * 100, max_bytes=1000)
    assert (caught.value.code, caught.value.status) == ("image_too_large", 413)


def test_png_pixel_flood_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = media.png_bomb(50_000, 50_000)
    assert len(bomb) < 4096

    def forbidden(*args: object) -> None:
        pytest.fail("cv2.imdecode must not be called for a pixel flood")

    monkeypatch.setattr(cv2, "imdecode", forbidden)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(IngestError) as caught:
            ingest(bomb)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (caught.value.code, caught.value.status) == ("too_many_pixels", 413)
    assert elapsed < 0.5 and peak < 50 * 1024 * 1024


def test_jpeg_claiming_30000_squared_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = media.encode(np.zeros((8, 8, 3), np.uint8), ".jpg", cv2.IMWRITE_JPEG_QUALITY, 10)
    claim = media.jpeg_claiming(tiny, 30_000, 30_000)
    assert len(claim) < 1000 and dimensions(claim, "jpeg") == (30_000, 30_000)
    monkeypatch.setattr(cv2, "imdecode", None)
    with pytest.raises(IngestError) as caught:
        ingest(claim)
    assert caught.value.code == "too_many_pixels"


def test_max_pixels_is_a_parameter() -> None:
    data = media.encode(media.upright_scene(100, 100), ".png")
    with pytest.raises(IngestError, match="at most 9999"):
        ingest(data, max_pixels=9_999)
    assert ingest(data, max_pixels=10_000).width == 100


def test_animated_webp_is_unsupported() -> None:
    still = media.encode(media.upright_scene(32, 24), ".webp", cv2.IMWRITE_WEBP_QUALITY, 80)
    extended = media.webp_with_exif(still, media.exif_tiff(1), 32, 24)
    animated = extended[:20] + bytes([extended[20] | 0x02]) + extended[21:]
    with pytest.raises(IngestError) as caught:
        ingest(animated)
    assert caught.value.code == "unsupported_image_type"


def test_header_that_disagrees_with_the_pixels_is_corrupt() -> None:
    still = media.encode(media.upright_scene(32, 24), ".webp", cv2.IMWRITE_WEBP_QUALITY, 80)
    lying = media.webp_with_exif(still, media.exif_tiff(1), 3200, 2400)  # canvas != frame
    with pytest.raises(IngestError) as caught:
        ingest(lying)
    assert caught.value.code == "corrupt_image"


# --- damaged files and polyglots --------------------------------------------------------------


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp"])
def test_truncated_files_only_raise_ingest_error(ext: str) -> None:
    image = cv2.GaussianBlur(np.random.default_rng(1).integers(0, 255, (120, 160, 3), np.uint8),
                             (9, 9), 3)
    data = media.encode(image, ext)
    cuts = sorted({*range(0, min(len(data), 700)), *range(700, len(data), 97)})
    for cut in cuts:
        with pytest.raises(IngestError) as caught:
            ingest(data[:cut])
        assert caught.value.code in ("not_an_image", "corrupt_image"), (cut, caught.value)


def test_polyglots_are_refused_or_ingested_safely() -> None:
    jpeg = media.encode(media.upright_scene(64, 48), ".jpg")
    jpeg_then_zip = jpeg + media.zip_of(payload=b"#!/bin/sh\necho hi\n")
    result = ingest(jpeg_then_zip)  # libjpeg stops at EOI; the original is kept as uploaded
    assert result.sha256 == hashlib.sha256(jpeg_then_zip).hexdigest()
    assert b"PK" not in result.display_jpeg and result.display_size == (64, 48)
    with pytest.raises(IngestError):
        ingest(media.zip_of(photo=jpeg) + jpeg)


# --- encode_jpeg, purity, the OpenCV pixel limit ---------------------------------------------


def test_encode_jpeg_accepts_camera_frames_and_refuses_junk() -> None:
    for frame in (np.zeros((36, 64, 3), np.uint8), np.zeros((36, 64), np.uint8),
                  np.zeros((36, 64, 4), np.uint8)):
        assert media.decode(vision.encode_jpeg(frame)).shape == (36, 64, 3)
    junk_frames = (np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4), np.float32),
                   np.zeros(0, np.uint8))
    for junk in junk_frames:
        with pytest.raises(ValueError):
            vision.encode_jpeg(junk)


@pytest.mark.parametrize("module", ["vision.py", "vision_headers.py", "camera.py"])
def test_modules_import_no_web_framework(module: str) -> None:
    tree = ast.parse((ROOT / "proctor" / module).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not imported & {"flask", "sqlalchemy", "werkzeug", "flask_sqlalchemy"}


def test_opencv_pixel_limit_is_set_before_cv2_loads() -> None:
    script = (
        "import os, numpy as np\n"
        "from proctor import vision\n"
        "print(os.environ['OPENCV_IO_MAX_IMAGE_PIXELS'])\n"
        "png = vision.cv2.imencode('.png', np.zeros((100, 100, 3), np.uint8))[1].tobytes()\n"
        "try:\n"
        "    vision.ingest(png, max_pixels=10**9)\n"
        "except vision.IngestError as e:\n"
        "    print(e.code)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "OPENCV_IO_MAX_IMAGE_PIXELS": "5000"}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert run.stdout.split() == ["5000", "too_many_pixels"]  # OpenCV itself refused it
    env.pop("OPENCV_IO_MAX_IMAGE_PIXELS")
    run = subprocess.run([sys.executable, "-c", script.split("png =")[0]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.strip() == str(vision.MAX_PIXELS)


def test_a_transparent_signature_is_laid_on_white_not_black():
    """The tablet's canvas gives a transparent PNG: the display copy and the thumbnail show the
    strokes on white (decoding colour alone made the transparent pixels black)."""
    canvas = np.zeros((240, 640, 4), np.uint8)  # fully transparent, colour 0 underneath
    cv2.line(canvas, (40, 120), (600, 120), (20, 20, 20, 255), 6)
    ok, png = cv2.imencode(".png", canvas)
    assert ok
    result = vision.ingest(png.tobytes())
    for copy in (result.display_jpeg, result.thumbnail_jpeg):
        image = cv2.imdecode(np.frombuffer(copy, np.uint8), cv2.IMREAD_COLOR)
        height, width = image.shape[:2]
        assert image[5, 5].min() > 240, "the background must be white"
        assert image[height // 2, width // 2].max() < 100, "the stroke must stay dark"


@pytest.mark.parametrize("depth, channels", [(np.uint16, 3), (np.uint8, 1), (np.uint16, 4)])
def test_grey_and_sixteen_bit_pngs_decode(depth, channels):
    high = 65535 if depth == np.uint16 else 255
    shape = (60, 80) if channels == 1 else (60, 80, channels)
    image = np.full(shape, high // 2, depth)
    if channels == 4:
        image[:, :, 3] = high  # opaque
    ok, png = cv2.imencode(".png", image)
    assert ok
    result = vision.ingest(png.tobytes())
    shown = cv2.imdecode(np.frombuffer(result.display_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert 110 < int(shown[30, 40].mean()) < 150  # mid grey
