"""Where `?next=` may send the browser: a path of this site, and nothing a browser could read as
another host.

Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
`/\t/evil.example/` and `/\\evil.example/` are `//evil.example/`: another host. A newline in a
Location header would also fail the response. The target is therefore refused when it, or any
of its percent-decoded forms, holds a control character, a space other than " " or a backslash,
does not start with exactly one "/", or names a scheme or a host.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_MAX_LENGTH = 2048
_DECODE_ROUNDS = 4  # %252f%252f … is still "//" after enough rounds: refuse every round's form


def _unsafe(form: str) -> bool:
    if not form.startswith("/") or form.startswith("//"):
        return True
    # An inner space is harmless (browsers encode it); every other space or control is not.
    if any(c == "\\" or (c != " " and (c.isspace() or not c.isprintable())) for c in form):
        return True
    parts = urlsplit(form)
    return bool(parts.scheme or parts.netloc)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a same-site path (checked in every decoded form), else None."""
    if not target or len(target) > _MAX_LENGTH:
        return None
    form = target
    for _ in range(_DECODE_ROUNDS):
        if _unsafe(form):
            return None
        decoded = unquote(form)
        if decoded == form:
            return target
        form = decoded
    return None  # still encoded after every round: not a path anyone typed
