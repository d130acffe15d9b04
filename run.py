"""Serve the app: python run.py [--host H] [--port P] [--demo] [--cert C --key K].

Upgrades the database schema, seeds the demo sitting once with --demo, then serves HTTP and
Socket.IO from one process with gunicorn's gevent worker: every connection is a greenlet, so a
venue's thousands of open room screens and boards hold no thread each, and blocking work (image
decodes, camera reads, password hashes, PDF and XLSX building) runs in a pool of real threads
(proctor.concurrency). `--mode threading` serves with gunicorn's threaded worker instead (a
thread per connection; for comparison, see README). Scale out with PostgreSQL, Redis as
PROCTOR_MESSAGE_QUEUE and several of these behind nginx (deploy/).
"""

from __future__ import annotations

import sys


def _mode(argv: list[str]) -> str:
    """--mode, read before anything is imported: gevent must patch the standard library first."""
    for index, arg in enumerate(argv):
        if arg == "--mode" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--mode="):
            return arg.split("=", 1)[1]
    return "gevent"


if __name__ == "__main__" and _mode(sys.argv[1:]) == "gevent":
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import gc  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402

from proctor import MIGRATIONS_DIR, create_app  # noqa: E402
from proctor import config as config_module  # noqa: E402

# Each live screen is one socket (one file descriptor); HTTP requests of connected tablets need
# room beside them, so the server accepts this many connections more than the socket limit.
HTTP_HEADROOM = 1000
GC_THRESHOLDS = (20_000, 50, 100)  # Python's are (700, 10, 10)


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn's arbiter with one worker; the app is built in the worker, after the fork, so
    nothing the app starts (timers, pools, the message-queue listener) crosses a fork."""

    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = create_app()
        # Everything loaded so far lives as long as the process: keep it out of the collector's
        # full passes (they scanned it all, tens of milliseconds each, in the middle of
        # requests), and collect the young objects of requests less often.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        return app


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default all)")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--demo", action="store_true", help="seed the demo sitting once")
    parser.add_argument("--cert", help="TLS certificate (PEM) so tablets get the live camera")
    parser.add_argument("--key", help="TLS private key (PEM)")
    parser.add_argument("--mode", choices=["gevent", "threading"], default="gevent",
                        help="gevent (default: a greenlet per connection) or threading")
    parser.add_argument("--threads", type=int, default=64,
                        help="worker threads with --mode threading (one per connection)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="do not log every request (load tests)")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    return args


def prepare(app: Flask, demo: bool) -> None:
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        if demo:
            from proctor.services.demo import print_logins, retime_demo, seed_demo

            logins = seed_demo()
            moved = retime_demo()
            if moved is not None:
                print(f"The demo sitting is moved to today ({moved.date}), a subject under way.")
            print_logins(logins, print)


def connection_limit(max_sockets: int) -> int:
    """Raise the open-file limit as far as allowed; the connections the server may accept."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * max_sockets + HTTP_HEADROOM + 200
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return max(100, min(wanted, int(soft)) - 200)


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (what tablets on the venue LAN type in)."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this picks the outgoing route
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if address not in found:
                found.append(address)
    except OSError:
        pass
    return [a for a in found if not a.startswith("127.")]


def announce(args: argparse.Namespace) -> None:
    scheme = "https" if args.cert else "http"
    hosts = ["127.0.0.1"] if args.host in {"0.0.0.0", "::"} else [args.host]
    if args.host in {"0.0.0.0", "::"}:
        hosts += lan_addresses()
    print(f"Serving on {scheme}://{hosts[0]}:{args.port}/  "
          f"(log in at {scheme}://{hosts[0]}:{args.port}/login)", flush=True)
    for host in hosts[1:]:
        print(f"Tablets on the venue network: {scheme}://{host}:{args.port}/login", flush=True)


def max_sockets() -> int:
    """PROCTOR_MAX_SOCKETS, read as the app will read it (the arbiter builds no app)."""
    settings = config_module.defaults("")
    settings.update(config_module.from_environment())
    return int(settings["MAX_SOCKETS"])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.prepare_only:
        prepare(create_app(), args.demo)
        return
    # Migrate and seed in a process of their own: the arbiter below forks its worker and must
    # not have built an app (or started its timers) before that.
    step = [sys.executable, __file__, "--prepare-only", "--mode", args.mode]
    if subprocess.run(step + (["--demo"] if args.demo else []), check=False).returncode:
        raise SystemExit("the database could not be prepared (see above)")
    announce(args)
    options: dict[str, object] = {
        "bind": f"{args.host}:{args.port}", "workers": 1, "timeout": 60,
        "graceful_timeout": 10, "accesslog": None if args.no_access_log else "-",
        "errorlog": "-", "loglevel": "info",
        # No shared control socket in ~/.gunicorn: several servers may run on one machine.
        "control_socket_disable": True,
    }
    if args.mode == "gevent":
        # gunicorn's gevent worker, whose own error answers (414, 431 …) are the contract's JSON.
        options.update(worker_class="proctor.gunicorn_workers.GeventWorker",
                       worker_connections=connection_limit(max_sockets()), backlog=2048)
    else:
        # A thread per connection: gthread also caps its connections (worker_connections).
        options.update(worker_class="proctor.gunicorn_workers.ThreadWorker", threads=args.threads,
                       worker_connections=args.threads + HTTP_HEADROOM)
    if args.cert:
        options.update(certfile=args.cert, keyfile=args.key)
    Server(options).run()


if __name__ == "__main__":
    main()
