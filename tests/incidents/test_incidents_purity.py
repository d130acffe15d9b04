"""`incidents/` must import nothing outside the standard library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = (
    "import incidents, sys; "
    "bad=[m for m in sys.modules "
    "if m.split('.')[0] in {'flask','sqlalchemy','cv2','pydantic'}]; "
    "assert not bad, bad"
)

STDLIB_ONLY = (
    "import sys; before=set(sys.modules); "
    "import incidents; incidents.default_rulebook(); incidents.suggest('using a phone'); "
    "new={m.split('.')[0] for m in set(sys.modules)-before}; "
    "bad=sorted(new-set(sys.stdlib_module_names)-{'incidents'}); "
    "assert not bad, bad"
)


def run(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_web_or_vision_framework_is_imported() -> None:
    result = run(FORBIDDEN)
    assert result.returncode == 0, result.stderr


def test_only_the_standard_library_is_imported() -> None:
    # -S: no site hooks, so whatever appears was imported by incidents itself
    result = run(STDLIB_ONLY, "-S")
    assert result.returncode == 0, result.stderr
