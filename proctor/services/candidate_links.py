"""The candidate's own link to a letter (`/c/<token>`), and who may open it.

The token is HMAC-SHA256(key, "candidate-link:<kind>:<letter id>:<number>"), base64url: 256
bits no one can guess without the key, which is kept outside the database (the audit key,
PROCTOR_AUDIT_KEY or the data folder's key file). Only the token's SHA-256 is stored, like a
session token; deriving it lets a letter be printed again with the same link and QR code, and
a stolen database still opens no page.

The link works until the letter's last deadline: a pre-decision notice's statement window, a
decision notice's review window (a review decision letter or a notice revised on review: the
same number of days from service, to read it). Until the letter is served its deadline is not
known, so it works for the window counted from the issue day plus SERVICE_MARGIN_DAYS, the
time a letter by post or a failed attempt and a public announcement may take.

Opening it asks for the ticket number and the last 6 characters of the ID number; who passed
is remembered in the signed session cookie, per token hash, for that link only.
"""

from __future__ import annotations

import hmac
from datetime import date, timedelta
from typing import Any

import segno
from flask import current_app, session, url_for

from proctor.extensions import db
from proctor.models import Candidate, CandidateLink, Notice, Person, PreNotice
from proctor.services import appeals, due_process
from proctor.services.candidate_tokens import link_of, token_for, token_sha256
from proctor.services.sittings import venue_today

SERVICE_MARGIN_DAYS = 30
SESSION_KEY = "candidate_links"
Letter = PreNotice | Notice

__all__ = ["link_of", "token_for"]


def letter_of(link: CandidateLink) -> Letter:
    if link.pre_notice_id is not None:
        return db.session.get_one(PreNotice, link.pre_notice_id)
    return db.session.get_one(Notice, link.notice_id)


def last_day(letter: Letter) -> date:
    """The last day the link opens the page (inclusive)."""
    if isinstance(letter, PreNotice):
        deadline = due_process.statement_deadline(letter)
        days = due_process.statement_days()
    else:
        deadline = appeals.review_last_day(letter)
        days = appeals.window_days()
    if deadline is not None:
        return deadline
    if letter.served_on is not None:  # a letter that offers no review: to read it
        return letter.served_on + timedelta(days=days)
    return letter.issued_on + timedelta(days=days + SERVICE_MARGIN_DAYS)


def open_link(token: str) -> tuple[CandidateLink, Letter] | None:
    """The link and its letter, while it works; None for an unknown or expired token."""
    if not token or len(token) > 128:
        return None
    link = db.session.scalar(db.select(CandidateLink).where(
        CandidateLink.token_sha256 == token_sha256(token)))
    if link is None:
        return None
    letter = letter_of(link)
    if venue_today() > last_day(letter):
        return None
    return link, letter


def identity_matches(letter: Letter, ticket_no: str, id_tail: str) -> bool:
    """The ticket number and the last 6 characters of the ID number, as printed on the
    admission ticket and the ID card (an X in either case)."""
    person = db.session.get_one(Person, letter.person_id)
    candidate = db.session.get(Candidate, letter.candidate_id) if letter.candidate_id else None
    if candidate is None:
        return False
    tail = id_tail.strip().upper()
    ticket_ok = hmac.compare_digest(ticket_no.strip().encode(), candidate.ticket_no.encode())
    id_ok = len(tail) == 6 and hmac.compare_digest(tail.encode(),
                                                   person.id_number[-6:].upper().encode())
    return ticket_ok and id_ok


def remember(link: CandidateLink) -> None:
    passed = [h for h in session.get(SESSION_KEY, []) if h != link.token_sha256][-7:]
    session[SESSION_KEY] = [*passed, link.token_sha256]


def passed(link: CandidateLink) -> bool:
    return link.token_sha256 in session.get(SESSION_KEY, [])


def actor(letter: Letter) -> str:
    return f"candidate:{letter.number}"


def printed(letter: Letter) -> dict[str, Any] | None:
    """The short link and its QR code (inline SVG) to print on the letter; None for a letter
    issued without one."""
    if link_of(letter) is None:
        return None
    base = current_app.config.get("CANDIDATE_BASE_URL")
    path = url_for("candidate.page", token=token_for(letter))
    url = f"{base.rstrip('/')}{path}" if base else url_for(
        "candidate.page", token=token_for(letter), _external=True)
    qr = segno.make(url, error="m")
    return {"url": url, "svg": qr.svg_inline(scale=3, border=2, omitsize=True),
            "last_day": last_day(letter)}
