"""Photo intake against its floor: `proctor.vision.ingest` on a 1920×1080 JPEG versus OpenCV's
own decode + two resizes + two encodes of the same file, in the same run (target ≤ 1.3×).

The difference is what the intake adds on purpose: the SHA-256 of the original, the type sniff,
the header read (dimensions, EXIF orientation) before any decode, and the orientation step.
"""

from __future__ import annotations

import statistics
import time

import cv2
import numpy as np

from proctor import vision

TARGET = 1.3
ROUNDS = 30


def photo() -> bytes:
    rng = np.random.default_rng(7)
    scene = cv2.GaussianBlur(rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8), (0, 0), 3)
    cv2.putText(scene, "exam room 1", (80, 540), cv2.FONT_HERSHEY_SIMPLEX, 5, (255, 255, 255), 8)
    ok, data = cv2.imencode(".jpg", scene, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def floor(data: bytes) -> None:
    image = cv2.imdecode(np.frombuffer(data, np.uint8),
                         cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    for longest in (2048, 320):
        scale = min(1.0, longest / max(image.shape[:2]))
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        small = image if scale == 1.0 else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, vision.DERIVATIVE_QUALITY])


def timed_pair(data: bytes) -> tuple[float, float]:
    """Median times of ours and the floor, run alternately so both see the same machine load."""
    ours, base = [], []
    for _ in range(ROUNDS):
        for work, samples in ((vision.ingest, ours), (floor, base)):
            started = time.perf_counter()
            work(data)
            samples.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(base)


def run() -> bool:
    data = photo()
    vision.ingest(data)  # warm up both paths
    floor(data)
    ours, base = timed_pair(data)
    ratio = ours / base
    print(f"ingest of a 1920×1080 JPEG ({len(data) // 1024} KiB), median of {ROUNDS}:")
    print(f"  proctor.vision.ingest      {ours * 1000:7.1f} ms")
    print(f"  OpenCV floor (decode, 2×resize, 2×encode) {base * 1000:7.1f} ms")
    print(f"  ratio {ratio:.2f}× (target ≤ {TARGET}×): {'ok' if ratio <= TARGET else 'TOO SLOW'}")
    return ratio <= TARGET


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
