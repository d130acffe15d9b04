"""Test media made on the spot: phone-style photos with hand-built EXIF (orientation + GPS),
hostile files (pixel floods, polyglots, other formats), and loopback camera servers."""

from __future__ import annotations

import http.server
import io
import socket
import socketserver
import struct
import threading
import time
import zipfile
import zlib

import cv2
import numpy as np

from proctor.camera import demo_frame

RED = (0, 0, 255)
MAKE = b"ProctorCam"  # a distinctive IFD0 string: it must never reach a derivative
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- scenes and orientation -------------------------------------------------------------------


def upright_scene(width: int = 4032, height: int = 3024) -> np.ndarray:
    """A landscape scene whose only red is a square in the top-left corner."""
    scene = np.full((height, width, 3), (180, 170, 160), np.uint8)
    side = max(4, min(width, height) // 5)
    scene[:side, :side] = RED
    cv2.rectangle(scene, (width // 2, height // 2), (width - side, height - side // 2),
                  (90, 60, 20), -1)
    return scene


def stored_as(upright: np.ndarray, orientation: int) -> np.ndarray:
    """What a camera stores so that EXIF `orientation` displays `upright` (numpy only, so
    it is independent of the cv2 calls under test)."""
    inverse = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, 1),  # display turns it 90° clockwise, so store it anticlockwise
        7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
        8: lambda a: np.rot90(a, -1),
    }[orientation]
    return np.ascontiguousarray(inverse(upright))


def red_centre(image: np.ndarray) -> tuple[float, float]:
    """Centre of the red marker as fractions (x, y) of the image's width and height."""
    blue, green, red = (image[..., i].astype(int) for i in range(3))
    ys, xs = np.nonzero((red > 150) & (green < 90) & (blue < 90))
    assert len(xs), "no red marker found"
    return float(xs.mean()) / image.shape[1], float(ys.mean()) / image.shape[0]


def encode(image: np.ndarray, ext: str, *params: int) -> bytes:
    ok, buffer = cv2.imencode(ext, image, list(params))
    assert ok, ext
    return buffer.tobytes()


def decode(data: bytes, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    assert image is not None
    return image


# --- EXIF built by hand -----------------------------------------------------------------------


def exif_tiff(orientation: int, *, big_endian: bool = False, gps: bool = True) -> bytes:
    """A TIFF structure: IFD0 (Make, Orientation, GPS pointer) and a GPS IFD near Shanghai."""
    e = ">" if big_endian else "<"

    def entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
        return struct.pack(e + "HHI", tag, kind, count) + value.ljust(4, b"\0")

    def rationals(*pairs: int) -> bytes:
        return struct.pack(e + "I" * len(pairs), *pairs)

    make_at, gps_at = 50, 62  # header 8 + IFD0 (2 + 3*12 + 4) = 50; Make is 11 bytes + pad
    lat_at, lon_at = gps_at + 2 + 5 * 12 + 4, gps_at + 2 + 5 * 12 + 4 + 24
    ifd0 = [entry(0x010F, 2, len(MAKE) + 1, struct.pack(e + "I", make_at)),
            entry(0x0112, 3, 1, struct.pack(e + "H", orientation))]
    if gps:
        ifd0.append(entry(0x8825, 4, 1, struct.pack(e + "I", gps_at)))
    gps_ifd = [entry(0, 1, 4, b"\x02\x03\x00\x00"), entry(1, 2, 2, b"N\0"),
               entry(2, 5, 3, struct.pack(e + "I", lat_at)), entry(3, 2, 2, b"E\0"),
               entry(4, 5, 3, struct.pack(e + "I", lon_at))]
    head = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    ifd0_bytes = struct.pack(e + "H", len(ifd0)) + b"".join(ifd0) + b"\0\0\0\0"
    ifd0_bytes = ifd0_bytes.ljust(make_at - 8, b"\0")
    body = head + ifd0_bytes + (MAKE + b"\0").ljust(gps_at - make_at, b"\0")
    if gps:
        body += struct.pack(e + "H", len(gps_ifd)) + b"".join(gps_ifd) + b"\0\0\0\0"
        body += rationals(31, 1, 14, 1, 1234, 100) + rationals(121, 1, 28, 1, 5678, 100)
    return body


def jpeg_with_exif(jpeg: bytes, tiff: bytes) -> bytes:
    """Insert an APP1 Exif segment right after SOI."""
    payload = b"Exif\0\0" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def webp_with_exif(webp: bytes, tiff: bytes, width: int, height: int) -> bytes:
    """Rewrite a simple (VP8 or VP8L) WebP as extended: VP8X with the EXIF flag, EXIF chunk."""
    assert webp[12:16] in (b"VP8 ", b"VP8L"), webp[12:16]
    vp8x = bytes([0x08, 0, 0, 0]) + (width - 1).to_bytes(3, "little") \
        + (height - 1).to_bytes(3, "little")
    exif = tiff + (b"\0" if len(tiff) % 2 else b"")
    chunks = (b"VP8X" + struct.pack("<I", 10) + vp8x + webp[12:]
              + b"EXIF" + struct.pack("<I", len(tiff)) + exif)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def png_with_exif(png: bytes, tiff: bytes) -> bytes:
    """Insert an eXIf chunk right after IHDR."""
    return png[:33] + png_chunk(b"eXIf", tiff) + png[33:]


def jpeg_markers(data: bytes) -> list[int]:
    """Markers before the first scan, walked naively (the outputs are well-formed)."""
    markers, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]
    return markers


# --- hostile files ----------------------------------------------------------------------------


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few hundred bytes declaring width x height: IHDR, a tiny zlib IDAT, IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096, 9)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """The same small JPEG with its SOF rewritten to declare another size."""
    pos = 2
    while True:
        marker, length = jpeg[pos + 1], struct.unpack_from(">H", jpeg, pos + 2)[0]
        if marker in (0xC0, 0xC1, 0xC2):
            return jpeg[:pos + 5] + struct.pack(">HH", height, width) + jpeg[pos + 9:]
        pos += 2 + length


def zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def hand_made_bmp(width: int = 4, height: int = 2) -> bytes:
    """A 24-bit BMP written byte by byte."""
    row = (b"\x00\x00\xff" * width).ljust((3 * width + 3) // 4 * 4, b"\0")
    pixels = row * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + info + pixels


# --- loopback camera servers ------------------------------------------------------------------


class MjpegServer:
    """A live 'camera' on 127.0.0.1: multipart/x-mixed-replace JPEG parts, frame n rendered
    n/fps seconds after start (its counter strip says n). Stop it with close()."""

    def __init__(self, fps: int = 20, size: tuple[int, int] = (320, 240),
                 max_seconds: float = 30.0) -> None:
        self.fps, self.size, self.started = fps, size, time.monotonic()
        self._stop = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                outer._stream(self.wfile, max_seconds)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            block_on_close = False

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cam.mjpg"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def current_index(self) -> int:
        return int((time.monotonic() - self.started) * self.fps)

    def _stream(self, out: io.BufferedIOBase, max_seconds: float) -> None:
        until = time.monotonic() + max_seconds
        try:
            while not self._stop.is_set() and time.monotonic() < until:
                index = self.current_index()
                jpeg = encode(demo_frame(index, self.fps, self.size), ".jpg")
                out.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                          % len(jpeg) + jpeg + b"\r\n")
                self._stop.wait(1 / self.fps)
        except OSError:
            pass  # the client went away

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                self._held.append(self.sock.accept()[0])
            except OSError:  # the 0.2 s accept timeout, to check the stop flag
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self._held:
            conn.close()
        self.sock.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
