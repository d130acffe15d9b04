"""proctor.camera on loopback only: a generated video file, an MJPEG server run by the test,
a closed port and a server that never answers. Every thread and server stops in teardown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import media
import numpy as np
import pytest

from proctor import camera
from proctor.camera import CameraUnavailable, frame_number, grab_frame, probe


@pytest.fixture(autouse=True)
def no_grabbers_left() -> Iterator[None]:
    yield
    camera.stop_all()
    assert not camera.active_sources()
    lingering = [t.name for t in threading.enumerate() if t.name.startswith("camera ")]
    assert not lingering, lingering


@pytest.fixture(scope="module")
def demo_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return camera.make_demo_video(tmp_path_factory.mktemp("camera") / "room.avi",
                                  seconds=4, fps=10)


@pytest.fixture
def mjpeg() -> Iterator[media.MjpegServer]:
    server = media.MjpegServer(fps=20, size=(320, 240))
    yield server
    server.close()


@pytest.fixture
def silent() -> Iterator[media.SilentServer]:
    server = media.SilentServer()
    yield server
    server.close()


def test_demo_video_is_written_with_a_readable_counter(tmp_path: Path) -> None:
    assert frame_number(camera.demo_frame(1234)) == 1234
    mp4 = camera.make_demo_video(tmp_path / "room.mp4", seconds=1, fps=5, size=(320, 180))
    assert mp4.stat().st_size > 1000
    first = grab_frame(str(mp4))
    assert first.shape == (180, 320, 3) and 0 <= frame_number(first) < 5


def test_video_file_is_looped_at_its_own_pace(demo_video: Path) -> None:
    first = grab_frame(str(demo_video))
    assert first.shape == (360, 640, 3) and first.dtype == np.uint8
    time.sleep(1.0)
    second = grab_frame(str(demo_video))
    steps = (frame_number(second) - frame_number(first)) % 40  # 4 s at 10 fps, looped
    assert 7 <= steps <= 14, (frame_number(first), frame_number(second))
    time.sleep(3.5)  # past the end of the file: it loops instead of failing
    assert grab_frame(str(demo_video)).shape == (360, 640, 3)


def test_mjpeg_over_http_gives_fresh_frames(mjpeg: media.MjpegServer) -> None:
    due = mjpeg.current_index()
    first = grab_frame(mjpeg.url)
    assert first.shape == (240, 320, 3)
    assert frame_number(first) >= due - 1  # captured after the call began, not a stale buffer
    time.sleep(1.0)
    due = mjpeg.current_index()
    second = grab_frame(mjpeg.url)
    assert frame_number(second) >= due - 1
    assert frame_number(second) - frame_number(first) >= 15  # 20 fps, a second apart
    assert not np.array_equal(first, second)


def test_probe_reports_size_and_backend(mjpeg: media.MjpegServer) -> None:
    assert probe(mjpeg.url) == {"ok": True, "width": 320, "height": 240, "backend": "FFMPEG",
                                "source": mjpeg.url}


def test_closed_port_fails_fast_without_leaking_credentials() -> None:
    started = time.monotonic()
    with pytest.raises(CameraUnavailable) as caught:
        grab_frame(f"http://guard:s3cret@127.0.0.1:{media.closed_port()}/x.mjpg")
    assert time.monotonic() - started < 5.5
    assert "s3cret" not in str(caught.value) and "refused" in str(caught.value)


def test_silent_camera_times_out_without_blocking_other_cameras(
        silent: media.SilentServer, mjpeg: media.MjpegServer, demo_video: Path) -> None:
    outcome: dict[str, object] = {}

    def hang() -> None:
        started = time.monotonic()
        try:
            grab_frame(f"http://127.0.0.1:{silent.port}/x.mjpg", timeout=5.0)
        except CameraUnavailable as exc:
            outcome["error"] = str(exc)
        outcome["elapsed"] = time.monotonic() - started

    stuck = threading.Thread(target=hang)
    stuck.start()
    time.sleep(0.3)
    started = time.monotonic()
    # Both are opened for the first time while the silent one is still connecting.
    assert grab_frame(mjpeg.url, timeout=5.0).shape == (240, 320, 3)
    assert grab_frame(str(demo_video), timeout=5.0).shape == (360, 640, 3)
    assert time.monotonic() - started < 2.0
    assert stuck.is_alive(), "the silent camera should still be pending"
    stuck.join(10)
    assert "error" in outcome and 3.5 < float(outcome["elapsed"]) < 5.5, outcome


def test_rtsp_to_a_silent_server_also_times_out(silent: media.SilentServer) -> None:
    started = time.monotonic()
    result = probe(f"rtsp://127.0.0.1:{silent.port}/stream", timeout=2.0)
    assert result["ok"] is False and time.monotonic() - started < 2.5


@pytest.mark.parametrize("source", ["", "ftp://127.0.0.1/x", "file:///etc/passwd", "/etc/passwd",
                                    "concat:/a.avi|/b.avi", "http:///nohost", "/no/such.avi"])
def test_unusable_sources_are_refused_at_once(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(CameraUnavailable):
        grab_frame(source)
    assert time.monotonic() - started < 0.5
    assert probe(source)["ok"] is False


def test_missing_device_is_unavailable() -> None:
    started = time.monotonic()
    result = probe("97", timeout=3.0)
    assert result["ok"] is False and time.monotonic() - started < 3.5


def test_idle_grabber_stops_itself(demo_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera, "IDLE_SECONDS", 0.3)
    grab_frame(str(demo_video))
    assert camera.active_sources() == [demo_video.name]
    deadline = time.monotonic() + 3
    while camera.active_sources() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert camera.active_sources() == []
    assert grab_frame(str(demo_video)).shape == (360, 640, 3)  # and restarts on demand
