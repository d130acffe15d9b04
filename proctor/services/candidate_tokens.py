"""The token of a candidate's link, and its row, made when a letter is issued: apart from
`proctor.services.candidate_links` (the page's rules) so the letter services can make one
without importing the services that issue letters."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

from proctor.extensions import db
from proctor.models import CandidateLink, Notice, PreNotice
from proctor.services.audit import audit_key_for

Letter = PreNotice | Notice


def token_for(letter: Letter) -> str:
    kind = "pre_notice" if isinstance(letter, PreNotice) else "notice"
    message = f"candidate-link:{kind}:{letter.id}:{letter.number}".encode()
    mac = hmac.new(audit_key_for(current_app.config), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_for(letter: Letter) -> CandidateLink:
    """The letter's link, made when the letter is issued (once)."""
    found = link_of(letter)
    if found is not None:
        return found
    link = CandidateLink(token_sha256=token_sha256(token_for(letter)),
                         pre_notice_id=letter.id if isinstance(letter, PreNotice) else None,
                         notice_id=letter.id if isinstance(letter, Notice) else None)
    db.session.add(link)
    db.session.flush()
    return link


def link_of(letter: Letter) -> CandidateLink | None:
    column = (CandidateLink.pre_notice_id if isinstance(letter, PreNotice)
              else CandidateLink.notice_id)
    return db.session.scalar(db.select(CandidateLink).where(column == letter.id))
