"""The sentences the letters beyond the first decision notice add, in the page's language: the
revision a revised notice cites, the line on a replaced notice, the remedies (review with its
last day, then the configured text with its dates filled in), the review decision letter's parts
and the proof of service (送达回证) every letter carries.

Like `wording`, never an internal rule code: rules are cited by the attachment's numbering.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

import incidents as rules
from proctor.extensions import db
from proctor.models import LetterKind, Notice
from proctor.notices.wording import long_date

PLACEHOLDER = re.compile(r"\{(issued_on|served_on|served\+(\d+))\}")


def title(kind: str) -> str:
    return {LetterKind.REVISED_DECISION: _("Revised decision notice"),
            LetterKind.REVIEW_DECISION: _("Review decision letter")}.get(
        LetterKind(kind), _("Decision notice"))


def fill(text: str, issued_on: str, served_on: date | None, lang: str) -> str:
    """A configured paragraph with its date placeholders filled from the letter's dates."""
    def one(match: re.Match[str]) -> str:
        if match.group(1) == "issued_on":
            return long_date(issued_on, lang)
        days = int(match.group(2) or 0)
        if served_on is None:
            return (_("the day of service") if days == 0 else
                    _("the %(n)sth day after service", n=days))
        return long_date(served_on + timedelta(days=days), lang)

    return PLACEHOLDER.sub(one, text)


def remedies(notice: Notice, lang: str, review_last_day: date | None) -> list[str]:
    """What the person may still do, in order: review (复核) while open, then the rest."""
    c = notice.content
    out: list[str] = []
    frozen = c.get("remedies") or {}
    if notice.kind == LetterKind.REVIEW_DECISION:
        out.append(_("This is the decision on your request for review; no further review is "
                     "available."))
    elif frozen.get("review", True):
        out.append(_("If you disagree with this decision, you may ask %(body)s in writing for "
                     "a review within %(days)s days of the day this notice is served on you.",
                     body=c["review"]["to"][lang], days=c["review"]["window_days"]))
        if notice.served_on and review_last_day:
            out.append(_("This notice was served %(method)s on %(date)s; the last day to ask "
                         "for a review is %(last)s.", method=method_word(notice.service_method),
                         date=long_date(notice.served_on, lang),
                         last=long_date(review_last_day, lang)))
    else:
        out.append(_("This decision was made on review; no further review is available."))
    beyond = (frozen.get("beyond") or {}).get(lang, [])
    out += [fill(text, c["issued_on"], notice.served_on, lang) for text in beyond]
    return out


def method_word(method: str | None) -> str:
    return {"in_person": _("in person"), "electronic": _("electronically"),
            "post": _("by post")}.get(method or "", "")


def revision(c: dict[str, Any], lang: str) -> str | None:
    """What a revised notice cites: the review decision letter and the notice it replaces."""
    r = c.get("revision")
    if not r:
        return None
    return _("This notice is issued under review decision letter No. %(letter)s: the request "
             "for review received on %(received)s was decided on %(decided)s, and the decision "
             "was changed. It replaces decision notice No. %(old)s of %(issued)s.",
             letter=r["review"]["letter_number"],
             received=long_date(r["review"]["received_on"], lang),
             decided=long_date(r["review"]["decided_on"], lang), old=r["supersedes"]["number"],
             issued=long_date(r["supersedes"]["issued_on"], lang))


def superseded(notice: Notice) -> str | None:
    """The line a replaced notice shows (its content stays as it was issued)."""
    if notice.superseded_by_id is None:
        return None
    newer = db.session.get_one(Notice, notice.superseded_by_id)
    return _("Replaced by notice No. %(number)s; this notice is no longer in force.",
             number=newer.number)


# -- the review decision letter ------------------------------------------------------------
def _rule_sentence(rule: dict[str, Any], severity: str | None, lang: str) -> list[str]:
    out = [_("%(citation)s: “%(text)s”", citation=rule["citation"][lang],
             text=rule["text"][lang])]
    if rule.get("tier") == rules.Tier.THREE and severity == rules.Severity.SERIOUS:
        out.append(_("The circumstances are judged to be serious."))
    elif rule.get("tier") == rules.Tier.THREE and severity == rules.Severity.MINOR:
        out.append(_("The circumstances are judged to be minor."))
    return out


def request(c: dict[str, Any], lang: str) -> list[str]:
    reviewed, asked = c["reviewed"], c["request"]
    out = [_("On %(received)s you asked for a review of decision notice No. %(number)s, "
             "issued on %(issued)s.", received=long_date(asked["received_on"], lang),
             number=reviewed["number"], issued=long_date(reviewed["issued_on"], lang))]
    grounds = asked.get("grounds", "").strip()
    out.append(_("Your grounds: “%(grounds)s”", grounds=grounds) if grounds
               else _("You gave no grounds in writing."))
    return out


def reviewed_rule(c: dict[str, Any], lang: str) -> list[str]:
    """The rule the reviewed decision applied (before a change, if there was one)."""
    before = c.get("before")
    rule = before["rule"] if before else c["rule"]
    severity = before["severity"] if before else c["decision"]["severity"]
    return [_("The decision under review applied the following provision.")] + \
        _rule_sentence(rule, severity, lang)


def outcome(c: dict[str, Any], lang: str) -> list[str]:
    """The review's decision, and for a change the rule and sanction as they now stand."""
    kind = c["outcome"]
    if kind == "upheld":
        return [_("On review, the facts of the decision are clear, the evidence is sufficient "
                  "and the provision was applied correctly: the decision is upheld.")]
    if kind == "overturned":
        return [_("On review, the decision is revoked: it has no effect, and the scores and "
                  "eligibility it took away are restored.")]
    out = [_("On review, the decision is changed. The conduct falls under the following "
             "provision.")] + _rule_sentence(c["rule"], c["decision"]["severity"], lang)
    out.append(_("A revised decision notice is issued to you; it replaces the decision notice "
                 "under review."))
    return out


def reasons(c: dict[str, Any]) -> str:
    text = (c.get("reasons") or "").strip()
    return text or _("No further reasons were recorded.")


# -- the proof of service (送达回证) -------------------------------------------------------
def proof_rows(notice: Notice, lang: str) -> list[tuple[str, str]]:
    """The form's table: the letter and its number, the addressee, and the place, manner and
    date of service (blank until written in by hand, or as recorded)."""
    person = notice.content["person"]
    manner = method_word(notice.service_method) or "□ " + "  □ ".join(
        (_("in person"), _("electronically"), _("by post")))
    return [
        (_("Letter served"), _("%(title)s No. %(number)s", title=title(notice.kind),
                               number=notice.number)),
        (_("Addressee"), person["name"]),
        (_("ID number"), person["id_number"]),
        (_("Ticket number"), person.get("ticket_no") or "—"),
        (_("Place of service"), ""),
        (_("Manner of service"), manner),
        (_("Date of service"), long_date(notice.served_on, lang) if notice.served_on else ""),
    ]


def proof_signatures() -> list[tuple[str, str]]:
    """The lines signed by hand, two to a row."""
    return [(_("Recipient signature"), _("Date received")), (_("Served by"), _("Witness"))]


def proof_remark() -> str:
    return _("Where the addressee refuses to sign, the server notes the refusal, its date and "
             "the reason under Remarks, and a witness signs.")
