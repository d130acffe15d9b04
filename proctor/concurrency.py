"""How blocking work runs beside thousands of live connections.

`python run.py` serves with gevent: every connection is a greenlet on one OS thread, so a call
that blocks in C without yielding to gevent (an OpenCV decode, a camera read, an argon2 hash, a
reportlab or openpyxl build) would stall every other tablet for as long as it runs. `offload`
runs such a call in a real thread of gevent's pool and lets the other greenlets go on meanwhile
(the C parts release the GIL; pure-Python parts share it in 5 ms slices). Without gevent (tests
with Flask's test client, the CLI) it is a plain call.

Threads started here for long-running loops (the room cameras) are native threads whatever the
mode, and share nothing with greenlets but plain attributes and `native_lock()`s, which are only
held for a few instructions: gevent's own locks are not meant to cross OS threads.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def cooperative() -> bool:
    """Whether this process runs on gevent's monkey-patched standard library."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("socket"))


def offload(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Call `fn` in a real thread when serving with gevent (the caller's greenlet waits, the
    others run); directly otherwise. Flask's contexts (and so the database session) follow the
    call: the calling greenlet is suspended meanwhile, so they are never used by both at once."""
    if not cooperative():
        return fn(*args, **kwargs)
    import gevent  # only when serving with gevent

    context = contextvars.copy_context()
    return gevent.get_hub().threadpool.apply(context.run, (fn, *args), kwargs)  # type: ignore[no-any-return]


def offload_each(fn: Callable[[Any], T], batches: list[Any]) -> list[T]:
    """`fn` on each batch in real threads side by side (a bulk job on all the cores: the
    photos of an import), the answers in the batches' order; Flask's contexts follow each call.
    With gevent each batch is offloaded from a greenlet of its own; without, a thread each."""
    if len(batches) <= 1:
        return [offload(fn, batch) for batch in batches]
    if cooperative():
        import gevent  # only when serving with gevent

        # A new greenlet starts with a context of its own: each gets a copy of the caller's.
        jobs = [gevent.spawn(contextvars.copy_context().run, offload, fn, batch)
                for batch in batches]
        gevent.joinall(jobs, raise_error=True)
        return [job.value for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(batches)) as pool:
        futures = [pool.submit(contextvars.copy_context().run, fn, batch) for batch in batches]
        return [future.result() for future in futures]


def native_lock() -> Any:
    """A lock of the operating system's, even under gevent (for state shared with native
    threads; hold it only for a few instructions, it blocks greenlets while held)."""
    if cooperative():
        from gevent.monkey import get_original  # only when serving with gevent

        return get_original("_thread", "allocate_lock")()
    return threading.Lock()


def start_native_thread(target: Callable[[], None], name: str) -> threading.Thread | None:
    """Run `target` in a daemon OS thread (not a greenlet, even under gevent). Returns the
    Thread to join without gevent; under gevent the thread is a bare one (signal its end
    yourself)."""
    if cooperative():
        from gevent.monkey import get_original  # only when serving with gevent

        get_original("_thread", "start_new_thread")(target, ())
        return None
    thread = threading.Thread(target=target, daemon=True, name=name)
    thread.start()
    return thread


def cooperative_semaphore(value: int) -> Any:
    """A bounded semaphore that suspends a greenlet (gevent) or a thread (threading) waiting
    for its turn."""
    if cooperative():
        from gevent.lock import BoundedSemaphore  # only when serving with gevent

        return BoundedSemaphore(value)
    return threading.BoundedSemaphore(value)


def take_turn() -> None:
    """Under gevent, let every other ready connection run before this one goes on. A tablet
    (or a registry) that sends its next request on a keep-alive connection as soon as the
    answer arrives would otherwise be served again and again while the others wait: gevent
    switches only when a greenlet blocks, and a socket with data waiting never blocks."""
    if cooperative():
        import gevent  # only when serving with gevent

        gevent.sleep(0)
