"""Fresh frames from a room's camera (cv2.VideoCapture), without ever blocking the caller.

A source is a device index ("0"), an rtsp(s):// or http(s):// URL (MJPEG over HTTP needs no
hint: FFmpeg recognises multipart/x-mixed-replace by itself), or a video file (looped, paced at
its own FPS, for the demo and tests). One OS thread per source (a native thread even under
gevent, since a read blocks inside FFmpeg) keeps reading so the newest frame is always at hand
(CAP_PROP_BUFFERSIZE does nothing on the FFmpeg backend); callers poll for it with their own
deadline, sleeping cooperatively, and a grabber nobody asked for in IDLE_SECONDS stops itself.

OpenCV's FFmpeg backend opens captures under one process-wide lock, so a camera that accepts a
connection and never answers would delay every other camera's open for the whole open timeout.
Network sources are therefore probed in Python first (connect, send a request, wait for the
first byte of an answer) and reach FFmpeg only once they answer.
"""

from __future__ import annotations

import atexit
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from proctor.concurrency import native_lock, start_native_thread
from proctor.vision import MAX_PIXELS

os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))  # before cv2, as vision

import cv2  # noqa: E402
import numpy as np  # noqa: E402

IDLE_SECONDS = 60.0
RETRY_SECONDS = 1.0
MAX_CAMERAS = 64
VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".mkv", ".mov", ".webm", ".mjpg", ".mjpeg"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "rtsp": 554, "rtsps": 322}
_STRIP_BITS, _STRIP_CELL = 16, 16  # demo frames carry their number as a 16-cell binary strip
# Waiters look for a new frame this often: the grabbers are OS threads (a read blocks in FFmpeg),
# the waiters greenlets or threads, and nothing but plain attributes passes between them.
POLL_SECONDS = 0.01


class CameraUnavailable(Exception):
    """No fresh frame could be had from the camera in time (the message says why)."""


@dataclass(frozen=True)
class Source:
    """A parsed camera source; `label` is safe to show (URL credentials removed)."""

    kind: str  # "device" | "url" | "file"
    target: str | int
    label: str


def parse_source(source: str) -> Source:
    """Validate a room's camera source string; raise CameraUnavailable if it is not usable."""
    text = (source or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return Source("device", int(text), f"device {int(text)}")
    parts = urlsplit(text)
    if parts.scheme.lower() in _DEFAULT_PORTS:
        if not parts.hostname:
            raise CameraUnavailable("The camera URL has no host.")
        label = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
        return Source("url", text, label + parts.path)
    path = Path(text).resolve()  # absolute: FFmpeg never reads "proto:..." out of it
    if "://" in text or path.suffix.lower() not in VIDEO_SUFFIXES or not path.is_file():
        raise CameraUnavailable("The camera source is not a device number, a camera URL "
                                "(rtsp, http, https) or an existing video file.")
    return Source("file", str(path), path.name)


def grab_frame(source: str, timeout: float = 5.0) -> np.ndarray:
    """A BGR frame captured after this call began; CameraUnavailable within `timeout` seconds."""
    requested = time.monotonic()
    return _grabber_for(parse_source(source), timeout).wait_fresh(requested, requested + timeout)


def probe(source: str, timeout: float = 5.0) -> dict[str, object]:
    """The room setup's "test camera": {ok, width, height, backend} or {ok: False, error}."""
    try:
        parsed = parse_source(source)
        requested = time.monotonic()
        grabber = _grabber_for(parsed, timeout)
        frame = grabber.wait_fresh(requested, requested + timeout)
    except CameraUnavailable as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "width": int(frame.shape[1]), "height": int(frame.shape[0]),
            "backend": grabber.backend, "source": parsed.label}


def stop_all(timeout: float = 5.0) -> None:
    """Stop every grabber and wait (bounded) for their threads; for tests and shutdown."""
    with _LOCK:
        grabbers = list(_GRABBERS.values())
        _GRABBERS.clear()
    for grabber in grabbers:
        grabber.stopping.set()
    deadline = time.monotonic() + timeout
    while any(not grabber.finished for grabber in grabbers) and time.monotonic() < deadline:
        _native_sleep(POLL_SECONDS)
    for grabber in grabbers:
        if grabber.thread is not None:
            grabber.thread.join(max(0.0, deadline - time.monotonic()))


# A daemon thread killed inside FFmpeg at interpreter exit aborts the process ("FATAL:
# exception not rethrown"): stop the grabbers cleanly first.
atexit.register(stop_all, 2.0)


def active_sources() -> list[str]:
    """Labels of the cameras currently being read (for diagnostics and tests)."""
    with _LOCK:
        return [grabber.source.label for grabber in _GRABBERS.values()]


class _Flag:
    """A stop flag an OS thread can wait on in short naps (no lock shared with greenlets)."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._set and (left := deadline - time.monotonic()) > 0:
            _native_sleep(min(left, 0.05))
        return self._set


class _Grabber:
    """One OS thread reading one source continuously; callers poll for a frame newer than
    their request (a frame and its time are replaced together, under a native lock)."""

    def __init__(self, key: str, source: Source, io_timeout: float) -> None:
        self.key, self.source = key, source
        # A little under the caller's deadline, so a timeout is reported as such in time.
        self.io_timeout = min(max(io_timeout * 0.8, 0.5), 10.0)
        self.backend = ""
        self.last_request = time.monotonic()
        self.stopping = _Flag()
        self.finished = False
        self.thread: threading.Thread | None = None
        self._state = native_lock()
        self._frame: np.ndarray | None = None
        self._frame_at = self._error_at = 0.0
        self._error = ""

    def start(self) -> None:
        self.thread = start_native_thread(self._run, f"camera {self.source.label}")

    def wait_fresh(self, since: float, deadline: float) -> np.ndarray:
        while True:
            with self._state:
                frame, frame_at = self._frame, self._frame_at
                error, error_at = self._error, self._error_at
            if frame is not None and frame_at > since:
                return frame.copy()
            if error_at > since:
                raise CameraUnavailable(f"{self.source.label}: {error}")
            if deadline - time.monotonic() <= 0:
                last = f" (last error: {error})" if error else ""
                raise CameraUnavailable(f"{self.source.label}: no frame in time{last}")
            time.sleep(POLL_SECONDS)  # a greenlet's sleep under gevent: others run meanwhile

    def _publish(self, frame: np.ndarray | None, error: str = "") -> None:
        with self._state:
            if frame is not None:
                self._frame, self._frame_at = frame, time.monotonic()
            else:
                self._error, self._error_at = error, time.monotonic()

    def _run(self) -> None:
        try:
            while not self._should_stop():
                capture = self._open()
                frames = self._pump(capture) if capture is not None else 0
                if capture is not None:
                    capture.release()
                # A stream that ended after frames (a snapshot URL) is reopened at once.
                self.stopping.wait(0.1 if frames else RETRY_SECONDS)
        except Exception as exc:  # keep the reason for the waiters instead of a dead thread
            self._publish(None, f"camera thread failed: {exc!r}")
        finally:
            self.stopping.set()
            with _LOCK:
                if _GRABBERS.get(self.key) is self:
                    del _GRABBERS[self.key]
            self.finished = True

    def _should_stop(self) -> bool:
        with _LOCK:
            if not self.stopping.is_set() and time.monotonic() - self.last_request > IDLE_SECONDS:
                self.stopping.set()
        return self.stopping.is_set()

    def _open(self) -> cv2.VideoCapture | None:
        try:
            if self.source.kind == "url":
                _preflight(str(self.source.target), self.io_timeout)
            capture = _capture(self.source, self.io_timeout)
        except (OSError, cv2.error) as exc:
            self._publish(None, f"cannot connect ({exc.__class__.__name__}: {exc})")
            return None
        if not capture.isOpened():
            capture.release()
            self._publish(None, "the camera could not be opened")
            return None
        self.backend = capture.getBackendName()
        return capture

    def _pump(self, capture: cv2.VideoCapture) -> int:
        """Read until the stream fails or the grabber stops; files loop at their own pace."""
        fps = capture.get(cv2.CAP_PROP_FPS) if self.source.kind == "file" else 0.0
        period = 1.0 / fps if 0 < fps <= 240 else 0.1
        frames, next_at = 0, time.monotonic()
        while not self._should_stop():
            ok, frame = capture.read()
            if not ok and self.source.kind == "file" and frames:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
            if not ok or frame is None:
                if not frames:
                    self._publish(None, "the camera sent no frame")
                return frames
            self._publish(frame)
            frames += 1
            if self.source.kind == "file":
                next_at = max(next_at + period, time.monotonic())
                self.stopping.wait(max(0.0, next_at - time.monotonic()))
        return frames


_LOCK = native_lock()
_GRABBERS: dict[str, _Grabber] = {}


def _grabber_for(source: Source, timeout: float) -> _Grabber:
    key = str(source.target)
    with _LOCK:
        grabber = _GRABBERS.get(key)
        if grabber is None or grabber.stopping.is_set():
            if len(_GRABBERS) >= MAX_CAMERAS:
                raise CameraUnavailable("Too many cameras are being read at once.")
            grabber = _Grabber(key, source, timeout)
            _GRABBERS[key] = grabber
            grabber.start()
        grabber.last_request = time.monotonic()
        return grabber


def _native_sleep(seconds: float) -> None:
    """time.sleep of the OS thread (under gevent, time.sleep is the greenlet's)."""
    _ORIGINAL_SLEEP(seconds)


def _original_sleep() -> Callable[[float], None]:
    try:
        from gevent.monkey import get_original
    except ImportError:  # pragma: no cover - gevent is a dependency
        return time.sleep
    return get_original("time", "sleep")  # type: ignore[no-any-return]


_ORIGINAL_SLEEP = _original_sleep()


def _capture(source: Source, io_timeout: float) -> cv2.VideoCapture:
    """Open with the timeouts passed at open time (set afterwards, FFmpeg ignores them)."""
    if source.kind == "device":
        return cv2.VideoCapture(int(source.target), cv2.CAP_ANY)
    ms = int(io_timeout * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
    return cv2.VideoCapture(str(source.target), cv2.CAP_FFMPEG, params)


def _preflight(url: str, timeout: float) -> None:
    """Raise OSError unless the server answers a minimal request within `timeout` seconds."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS[scheme]
    target = parts.path or "/"
    if scheme.startswith("rtsp"):
        request = f"OPTIONS rtsp://{host}:{port}{target} RTSP/1.0\r\nCSeq: 1\r\n\r\n"
    else:
        request = f"GET {target} HTTP/1.0\r\nHost: {host}\r\n\r\n"
    conn = socket.create_connection((host, port), timeout=timeout)
    try:
        if scheme in ("https", "rtsps"):
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # probe only
            conn = context.wrap_socket(conn, server_hostname=host)
        conn.sendall(request.encode("ascii", "replace"))
        if not conn.recv(1):
            raise ConnectionError("the camera closed the connection without answering")
    finally:
        conn.close()


def demo_frame(index: int, fps: int = 10, size: tuple[int, int] = (640, 360)) -> np.ndarray:
    """A synthetic camera frame: a moving pattern, a burned-in counter and time, and the
    counter as a strip of 16 black/white cells along the bottom (read by `frame_number`)."""
    width, height = size
    frame = np.full((height, width, 3), 40, np.uint8)
    x = int((index * 7) % max(1, width - 60))
    cv2.rectangle(frame, (x, height // 4), (x + 60, height // 4 + 60), (0, 160, 255), -1)
    cv2.circle(frame, (width // 2, height // 2), 20 + (index % 20), (255, 200, 0), 3)
    seconds = index / max(fps, 1)
    stamp = f"#{index:05d}  {int(seconds // 60):02d}:{seconds % 60:04.1f}"
    cv2.putText(frame, stamp, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    for bit in range(_STRIP_BITS):
        value = 255 if (index >> bit) & 1 else 0
        left = bit * _STRIP_CELL
        frame[height - _STRIP_CELL:, left:left + _STRIP_CELL] = value
    return frame


def frame_number(frame: np.ndarray) -> int:
    """Read back the counter strip that `demo_frame` burned into a (possibly JPEG'd) frame."""
    height, cell = frame.shape[0], _STRIP_CELL
    number = 0
    for bit in range(_STRIP_BITS):
        centre = frame[height - cell + 4:height - 4, bit * cell + 4:(bit + 1) * cell - 4]
        if float(centre.mean()) > 127:
            number |= 1 << bit
    return number


def make_demo_video(path: Path, seconds: int = 10, fps: int = 10,
                    size: tuple[int, int] = (640, 360)) -> Path:
    """Write a synthetic looping camera video (MJPG in .avi, else mp4v) and return its path."""
    path = Path(path)
    fourcc = "MJPG" if path.suffix.lower() == ".avi" else "mp4v"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), float(fps), size)
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path.name} with {fourcc}")
    try:
        for index in range(seconds * fps):
            writer.write(demo_frame(index, fps, size))
    finally:
        writer.release()
    return path


__all__ = ["CameraUnavailable", "Source", "demo_frame", "frame_number", "grab_frame",
           "make_demo_video", "parse_source", "probe", "stop_all", "active_sources"]
