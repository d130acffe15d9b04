"""Command line: `flask --app proctor users …`, `audit verify`, `demo seed`."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import User
from proctor.services import evidence_store
from proctor.services.accounts import (
    create_api_token,
    create_user,
    end_sessions,
    find_user,
    revoke_tokens,
    set_active,
    set_password,
)
from proctor.services.audit import checkpoint, verify_chain
from proctor.services.demo import print_logins, seed_demo
from proctor.services.evidence import purge_dismissed

users = AppGroup("users", help="Staff accounts and API tokens.")
audit_cli = AppGroup("audit", help="The hash-chained audit log.")
demo_cli = AppGroup("demo", help="Demo data.")
evidence_cli = AppGroup("evidence", help="Evidence files.")


def _user_or_exit(name: str):  # type: ignore[no-untyped-def]
    user = find_user(name)
    if user is None:
        raise click.ClickException(f"no user {name!r}")
    return user


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["invigilator", "chief", "authority", "patrol"]),
              required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name", default="")
def users_create(name: str, role: str, password: str, display_name: str) -> None:
    """Create an account (argon2id password hash)."""
    try:
        create_user(name, role, password, display_name)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"created {role} {name}")


@users.command("password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_password(name: str, password: str) -> None:
    """Set a new password for NAME; their open sessions end."""
    try:
        ended = set_password(_user_or_exit(name), password)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"password of {name} changed; ended {ended} session(s)")


@users.command("token")
@click.argument("name")
def users_token(name: str) -> None:
    """Make a bearer API token for NAME; it is printed once, as the last line."""
    token = create_api_token(_user_or_exit(name))
    db.session.commit()
    click.echo("Keep this token secret; only its hash is stored:", err=True)
    click.echo(token)


@users.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable an account; its sessions end at once."""
    ended = set_active(_user_or_exit(name), False)
    db.session.commit()
    click.echo(f"disabled {name}; ended {ended} session(s)")


@users.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    set_active(_user_or_exit(name), True)
    db.session.commit()
    click.echo(f"enabled {name}")


@users.command("end-sessions")
@click.argument("name")
def users_end_sessions(name: str) -> None:
    """End every open session of NAME (a lost tablet)."""
    ended = end_sessions(_user_or_exit(name))
    db.session.commit()
    click.echo(f"ended {ended} session(s) of {name}")


@users.command("revoke-tokens")
@click.argument("name")
def users_revoke_tokens(name: str) -> None:
    revoke_tokens(_user_or_exit(name))
    db.session.commit()
    click.echo(f"revoked the API tokens of {name}")


@users.command("list")
def users_list() -> None:
    for user in db.session.scalars(db.select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}")


@audit_cli.command("verify")
@click.option("--checkpoints", "checkpoint_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="signed checkpoints kept elsewhere (lines of `audit checkpoint`, or the "
                   "data folder's audit-checkpoints.jsonl copied off the machine); repeatable")
def audit_verify(checkpoint_files: tuple[str, ...]) -> None:
    """Re-hash the whole chain and check its MACs, the append-only triggers and the signed
    checkpoints; exit 1 if any entry was edited, deleted, inserted, re-hashed or cut."""
    report = verify_chain(checkpoint_files=checkpoint_files)
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if report.anchored:
        click.echo(f"last checkpoint before this check: entry {report.anchored}", err=True)
    click.echo(f"{'ok' if report.ok else 'BROKEN'}: {report.entries} entries, head {report.head}")
    if not report.ok:
        sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Anchor the head now (in the data folder) and print the signed checkpoint as the last
    line: keep it off this machine, and give it back to `audit verify --checkpoints`."""
    line = checkpoint()
    if line is None:
        raise click.ClickException("the audit log is empty (or its head is not in the chain)")
    click.echo("Keep this line off this machine; `audit verify --checkpoints FILE` checks it:",
               err=True)
    click.echo(json.dumps(line, separators=(",", ":")))


@demo_cli.command("seed")
def demo_seed() -> None:
    """Seed the demo sitting (once) and print the logins."""
    logins = seed_demo()
    if not logins:  # the accounts exist but demo-logins.json is not in this data folder
        raise click.ClickException(
            "cannot seed the demo: the database holds it already and its logins file "
            "demo-logins.json is not in the data folder; set passwords with "
            "`flask --app proctor users password NAME`")
    print_logins(logins, click.echo)


@evidence_cli.command("purge")
@click.option("--days", type=int, default=None,
              help="retention in days (default: PROCTOR_EVIDENCE_RETENTION_DAYS)")
def evidence_purge(days: int | None) -> None:
    """Delete the files of evidence of incidents dismissed longer ago than the retention."""
    retention = days if days is not None else current_app.config["EVIDENCE_RETENTION_DAYS"]
    ids, files = purge_dismissed(retention)
    db.session.commit()  # the purge is recorded before any file goes
    for sha256 in files:
        evidence_store.delete(sha256)
    click.echo(f"purged {len(ids)} evidence record(s), deleted {len(files)} file(s) "
               f"(retention {retention} days)")


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(evidence_cli)
