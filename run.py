"""Serve the app: python run.py [--host H] [--port P] [--demo] [--cert C --key K].

Upgrades the database schema, seeds the demo sitting once with --demo, then serves HTTP and
Socket.IO with gunicorn's threaded worker (one process; scale out with PostgreSQL, Redis as
PROCTOR_MESSAGE_QUEUE and several of these behind a proxy with sticky sessions).
"""

from __future__ import annotations

import argparse
import sys

from flask import Flask
from flask_migrate import upgrade
from gunicorn.app.base import BaseApplication

from proctor import MIGRATIONS_DIR, create_app


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, object]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default all)")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--demo", action="store_true", help="seed the demo sitting once")
    parser.add_argument("--cert", help="TLS certificate (PEM) so tablets get the live camera")
    parser.add_argument("--key", help="TLS private key (PEM)")
    parser.add_argument("--threads", type=int, default=64, help="worker threads (connections)")
    args = parser.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    return args


def prepare(app: Flask, demo: bool) -> None:
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        if demo:
            from proctor.services.demo import print_logins, seed_demo

            print_logins(seed_demo(), print)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = create_app()
    prepare(app, args.demo)
    scheme = "https" if args.cert else "http"
    shown = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host
    print(f"Serving on {scheme}://{shown}:{args.port}/  (log in at {scheme}://{shown}:{args.port}/login)",
          flush=True)
    options: dict[str, object] = {
        "bind": f"{args.host}:{args.port}", "workers": 1, "worker_class": "gthread",
        "threads": args.threads, "timeout": 60, "graceful_timeout": 10, "accesslog": "-",
        "errorlog": "-", "loglevel": "info",
        # No shared control socket in ~/.gunicorn: several servers may run on one machine.
        "control_socket_disable": True,
    }
    if args.cert:
        options.update(certfile=args.cert, keyfile=args.key)
    Server(app, options).run()


if __name__ == "__main__":
    main()
