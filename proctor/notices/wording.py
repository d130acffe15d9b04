"""What a letter to a candidate says, in plain sentences of the page's language, from a notice's
frozen content: the facts (when, where, what the invigilator recorded, the reminder and its
refusal), the evidence, the rule applied (cited by the attachment's own article and item) and
the decision (which scores are cancelled, the ban's dates, the referral).

Never an internal code ("T2.1", "#2") and never the engine's explanation: those are for staff
screens. Content frozen before a field existed still reads: each one falls back gracefully.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

import incidents as rules
from proctor.services.sittings import venue_zone

LEVELS_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


# -- dates and times ----------------------------------------------------------------------
def long_date(value: str | date | None, lang: str) -> str:
    """2025年6月28日 / 28 June 2025."""
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.astimezone(venue_zone()) if moment.tzinfo else moment


def clock(value: str, lang: str) -> str:
    """Venue time: 15时42分 / 15:42."""
    moment = _moment(value)
    return f"{moment.hour}时{moment.minute:02d}分" if lang == "zh" else moment.strftime("%H:%M")


def long_moment(value: str, lang: str) -> str:
    """2025年6月28日15时42分 / 28 June 2025 at 15:42 (venue time)."""
    moment = _moment(value)
    day = long_date(moment.date(), lang)
    return f"{day}{clock(value, lang)}" if lang == "zh" else f"{day} at {clock(value, lang)}"


def _join(parts: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(parts)


# -- the parts of a notice ----------------------------------------------------------------
def level(c: dict[str, Any], lang: str) -> str:
    value = c["sitting"]["level"]
    return LEVELS_ZH.get(value, str(value)) if lang == "zh" else _("Level %(level)s",
                                                                   level=value)


def citation(c: dict[str, Any], lang: str) -> str:
    """《职业技能等级认定考生须知》第三条第1项, as frozen (or from the rulebook, for content
    frozen before citations were)."""
    frozen = c["rule"].get("citation")
    if frozen:
        return str(frozen[lang])
    return rules.cite(rules.default_rulebook().get(c["rule"]["code"]), lang)


def _sitting_part(c: dict[str, Any], lang: str) -> str:
    evaluation = _("the %(occupation)s vocational skill level evaluation (%(level)s)",
                   occupation=c["sitting"]["occupation"], level=level(c, lang))
    subject = c["facts"].get("subject")
    if subject:
        return _("the %(subject)s subject of %(evaluation)s", subject=subject["name"],
                 evaluation=evaluation)
    return evaluation


def _where_part(c: dict[str, Any], lang: str) -> str:
    parts = []
    if c["facts"].get("room"):
        parts.append(_("room %(room)s", room=c["facts"]["room"]))
    if c["person"].get("seat_no"):
        parts.append(_("seat %(seat)s", seat=c["person"]["seat_no"]))
    if not parts:
        return ""
    return f"（{'，'.join(parts)}）" if lang == "zh" else f" ({', '.join(parts)})"


def _about(c: dict[str, Any], lang: str) -> str:
    """What the reminder was about: the rule's title without its own "after a reminder"."""
    title = str(c["rule"]["title"][lang])
    for tail in ("，经提醒拒不改正", ", after a reminder", " after a reminder"):
        title = title.removesuffix(tail)
    return title.rstrip(",，")


def facts(c: dict[str, Any], lang: str) -> list[str]:
    """The facts, one sentence a paragraph."""
    f = c["facts"]
    common = {"sitting": _sitting_part(c, lang), "where": _where_part(c, lang)}
    reminder = f.get("reminder")
    out: list[str] = []
    if reminder:
        refused = reminder.get("refused_at") or f["observed_at"]
        same_day = _moment(refused).date() == _moment(reminder["reminded_at"]).date()
        out.append(_("On %(when)s, while you were taking part in %(sitting)s%(where)s, the "
                     "invigilator reminded you about this conduct: %(about)s. You refused to "
                     "correct it, and the invigilator recorded the refusal at %(refused)s.",
                     when=long_moment(reminder["reminded_at"], lang), about=_about(c, lang),
                     refused=clock(refused, lang) if same_day else long_moment(refused, lang),
                     **common))
        if reminder.get("note"):
            out.append(_("The invigilator recorded: “%(what)s”", what=reminder["note"].strip()))
    else:
        what = (f.get("description") or "").strip() or str(c["rule"]["title"][lang])
        when = long_moment(f["observed_at"], lang)
        if f.get("discovered_after_exam"):
            out.append(_("After the evaluation it was found that, while you were taking part "
                         "in %(sitting)s%(where)s, the following took place: “%(what)s” "
                         "(recorded on %(when)s).", what=what, when=when, **common))
        else:
            out.append(_("On %(when)s, while you were taking part in %(sitting)s%(where)s, "
                         "the invigilator recorded on the spot: “%(what)s”", what=what,
                         when=when, **common))
    role = c["person"].get("role")
    if role == rules.PartyRole.ACCOMPLICE:
        out.append(_("You took part in it as a helper or accomplice."))
    elif role == rules.PartyRole.IMPOSTOR:
        out.append(_("You sat the evaluation in another person's place."))
    return out


def evidence(c: dict[str, Any], lang: str, kinds: dict[str, str]) -> list[str]:
    """One line per piece of evidence: what it is, when it was taken, its SHA-256."""
    return [_("%(kind)s, recorded on %(when)s; SHA-256 fingerprint %(sha)s",
              kind=kinds.get(e["kind"], e["kind"]), when=long_moment(e["taken_at"], lang),
              sha=e["sha256"]) for e in c["evidence"]]


def rule_applied(c: dict[str, Any], lang: str) -> list[str]:
    """The rule, cited by article and item and quoted once; for Tier 3, the judged severity."""
    out = [_("Your conduct described above falls under %(citation)s: “%(text)s”.",
             citation=citation(c, lang), text=c["rule"]["text"][lang])]
    severity = (c.get("decision") or {}).get("severity")
    if c["rule"].get("tier") == rules.Tier.THREE and severity == rules.Severity.SERIOUS:
        out.append(_("The circumstances are judged to be serious."))
    elif c["rule"].get("tier") == rules.Tier.THREE and severity == rules.Severity.MINOR:
        out.append(_("The circumstances are judged to be minor."))
    return out


def _subject_names(c: dict[str, Any], codes: list[str] | None, lang: str) -> str:
    names = {s["code"]: s["name"] for s in c["sitting"].get("subjects", [])}
    wanted = list(names) if codes is None else codes
    return _join([names.get(code, code) for code in wanted], lang)


def decision(c: dict[str, Any], lang: str) -> list[str]:
    """What is decided, one sentence an item: scores, certificate, ban dates, referral."""
    s, out = c["sanction"], []
    if c["rule"].get("tier") == 0:
        out.append(_("Your eligibility for this evaluation and your scores are cancelled; the "
                     "false materials and the evaluation fee are not refunded; a certificate "
                     "already obtained is invalid."))
    elif s["all_subjects_voided"]:
        out.append(_("The scores of all subjects of this evaluation (%(subjects)s) are "
                     "cancelled.", subjects=_subject_names(c, None, lang)))
    elif s["voided_subjects"]:
        out.append(_("The score of the subject %(subjects)s of this evaluation is cancelled.",
                     subjects=_subject_names(c, s["voided_subjects"], lang)))
    if s.get("certificate_revoked") and c["rule"].get("tier") != 0:
        out.append(_("Your results of this evaluation are declared invalid, and a certificate "
                     "already issued, with its data published online, is revoked."))
    for ban in s["bans"]:
        out.append(_("You may not take any vocational skill evaluation from %(start)s to "
                     "%(until)s inclusive.", start=long_date(ban["from"], lang),
                     until=long_date(ban["until"], lang)))
    if s.get("referral") or any(ban["referral"] for ban in s["bans"]):
        out.append(_("The case is referred to the relevant authorities."))
    return out


# -- before the decision (事先告知, 陈述申辩) ------------------------------------------------
def _via(value: str | None) -> str:
    words = {"in_person": _("in person"), "electronic": _("electronically"),
             "post": _("by post"), "public": _("by public announcement")}
    return words.get(value or "", value or "")


def _received(value: str) -> str:
    words = {"in_person": _("handed in"), "electronic": _("sent electronically"),
             "post": _("sent by post")}
    return words.get(value, value)


def proposal(c: dict[str, Any], lang: str) -> list[str]:
    """What the pre-notice proposes, one sentence an item (the decision's sentences, as a
    proposal)."""
    return decision(c, lang)


def statement_right(c: dict[str, Any], lang: str, deadline: date | None) -> list[str]:
    """The candidate's right to state their case: to whom, how long, and what follows."""
    terms = c.get("statement") or {}
    out = [_("Before the decision is made, you have the right to state your case and defend "
             "yourself. You may do so in writing, in person or electronically to %(body)s "
             "within %(days)s days of the day this notice is served on you, and attach "
             "photos or documents.", body=(terms.get("to") or c["issuing_body"])[lang],
             days=terms.get("days", ""))]
    if deadline is not None:
        out.append(_("The last day to state your case is %(date)s.",
                     date=long_date(deadline, lang)))
    out.append(_("What you state will be considered and recorded. If you state nothing "
                 "within the time limit, or waive it in writing, the decision will be made on "
                 "the facts above."))
    return out


def hearing(c: dict[str, Any], lang: str) -> list[str]:
    """What the decision notice says of the hearing before it: the pre-notice, the
    statements considered (or the waiver, or the silence) and the reasons."""
    h = c.get("hearing")
    if not h:
        return []
    pre = h["pre_notice"]
    out = [_("Before this decision, the pre-decision notice No. %(number)s was served on you "
             "%(method)s on %(date)s.", number=pre["number"], method=_via(pre.get("method")),
             date=long_date(pre.get("served_on"), lang))]
    if h.get("waived"):
        out.append(_("You waived in writing your right to state your case."))
    for s in h.get("statements") or []:
        out.append(_("On %(date)s you stated (received %(via)s): “%(text)s”",
                     date=long_date(s["received_on"], lang), via=_received(s["received_via"]),
                     text=s["text"].strip()))
    if not h.get("statements") and not h.get("waived"):
        out.append(_("You did not state your case by %(date)s.",
                     date=long_date(h.get("statement_deadline"), lang)))
    if h.get("reasons"):
        out.append(_("Your statement was considered: %(reasons)s",
                     reasons=h["reasons"].strip()))
    return out
