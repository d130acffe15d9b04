"""What every pattern across sittings is made of: the window of sittings, the settings, the
pattern found (with the records behind it), and the words of each kind in both languages.

Nothing here writes: the detectors only read (tests/api/test_patterns.py checks it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, true
from sqlalchemy.orm import InstrumentedAttribute

from incidents import IncidentStatus
from proctor.extensions import db
from proctor.models import Sitting

# Incidents that still stand as a report or a finding (a dismissed or overturned one does not).
STANDING = (IncidentStatus.REPORTED, IncidentStatus.PROPOSED, IncidentStatus.CONFIRMED)
Figure = int | float | str | None


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def as_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Window:
    """The sittings looked at: those dated from `start` to `end`, both inclusive (None: open)."""

    start: date | None = None
    end: date | None = None

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def sitting_ids(self) -> Select[tuple[int]]:
        """The window's sittings as a subquery (never a long list of ids)."""
        stmt = db.select(Sitting.id)
        if self.start is not None:
            stmt = stmt.where(Sitting.date >= self.start)
        if self.end is not None:
            stmt = stmt.where(Sitting.date <= self.end)
        return stmt

    def holds(self, sitting_id: ColumnElement[int] | InstrumentedAttribute[int]
              ) -> ColumnElement[bool]:
        """The condition that a row's sitting is in the window (none when it is open, so a
        count over every sitting reads the table alone)."""
        return true() if self.is_open else sitting_id.in_(self.sitting_ids())


@dataclass(frozen=True)
class Settings:
    """The thresholds of the tests (PROCTOR_PATTERN_*)."""

    alpha: float = 0.01
    min_candidates: int = 30
    min_exposure: int = 100
    neighbour_min: int = 3

    @classmethod
    def from_config(cls) -> Settings:
        config = current_app.config
        return cls(alpha=float(config["PATTERN_ALPHA"]),
                   min_candidates=int(config["PATTERN_MIN_CANDIDATES"]),
                   min_exposure=int(config["PATTERN_MIN_EXPOSURE"]),
                   neighbour_min=int(config["PATTERN_NEIGHBOUR_MIN"]))

    def as_json(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "min_candidates": self.min_candidates,
                "min_exposure": self.min_exposure, "neighbour_min": self.neighbour_min}


@dataclass(frozen=True)
class TestResult:
    """A stated test: its name in both languages, the raw and the Holm-adjusted p-value."""

    name: Text
    p_value: float
    p_adjusted: float
    alpha: float
    tested: int  # the size of the family Holm's correction ran over

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name.as_json(), "p_value": self.p_value,
                "p_adjusted": self.p_adjusted, "alpha": self.alpha, "correction": "holm",
                "tested": self.tested}


@dataclass(frozen=True)
class Candidacy:
    """A person registered for a sitting (an impostor seen as a candidate elsewhere)."""

    person_id: int
    sitting_id: int
    sitting_date: date
    ticket_no: str
    room: str | None
    seat_no: int | None


@dataclass(frozen=True)
class Reminder:
    id: int
    sitting_id: int
    sitting_date: date
    room: str | None
    rule_code: str
    outcome: str
    ticket_no: str


@dataclass
class Pattern:
    """One pattern found: a prompt for a person to look at the records, never a finding."""

    kind: str
    key: tuple[Any, ...]  # orders the patterns of a kind (most telling first)
    title: Text
    why: Text
    figures: dict[str, Figure]
    incident_ids: list[int]
    person_ids: list[int] = field(default_factory=list)
    test: TestResult | None = None
    candidacies: list[Candidacy] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)


@dataclass(frozen=True)
class KindText:
    title: Text
    means: Text
    does_not_mean: Text


_PROMPT = Text("这是提示，不是认定：它不改变任何处理决定或违纪条款，须由人查阅记录后判断。",
               "A prompt, not a finding: it changes no decision and no rule; a person reads the "
               "records and judges.")

KINDS: dict[str, KindText] = {
    "repeat_offender": KindText(
        Text("多次违纪", "Repeat misconduct"),
        Text("同一人（按证件号码）在一个以上考试场次有经主考确认的违纪。",
             "One person (by ID number) has incidents confirmed by a chief examiner in more "
             "than one sitting."),
        Text("不表示有新的违纪，也不加重任何处理：每起违纪已按其场次的规定处理。" + _PROMPT.zh,
             "It is no new misconduct and makes no sanction heavier: each incident was "
             "decided under its own sitting's rules. " + _PROMPT.en)),
    "impostor_reappears": KindText(
        Text("替考者再次出现", "An impostor seen again"),
        Text("在一个场次的替考（T3.4）事件中记为替考者的证件号码，在另一场次又作为考生报名或"
             "再次记为替考者。",
             "An ID number recorded as the impostor of an impersonation incident (T3.4) in "
             "one sitting is a candidate, or an impostor again, in another."),
        Text("不表示另一场次也有替考；证件号码可能登记有误。" + _PROMPT.zh,
             "It does not show impersonation in the other sitting; an ID number may have been "
             "recorded wrongly. " + _PROMPT.en)),
    "training_body_outlier": KindText(
        Text("培训机构违纪率偏高", "A training body's high incident rate"),
        Text("某培训机构的考生中有经确认违纪的比例显著高于其他考生（Fisher 精确检验，单侧，"
             "Holm 校正）。",
             "The share of a training body's candidates with a confirmed incident is "
             "significantly above the other candidates' (Fisher's exact test, one-sided, "
             "Holm-corrected)."),
        Text("不表示该机构组织作弊，也不涉及其任何考生的处理。" + _PROMPT.zh,
             "It does not show that the body organised cheating, and it concerns no "
             "candidate's sanction. " + _PROMPT.en)),
    "neighbour_copying": KindText(
        Text("相邻座位抄袭", "Copying among neighbouring seats"),
        Text("同一考场同一科目中，相邻座位（前后左右及斜向）有多起抄袭（T2.2）事件，"
             "主考可考虑是否属于有组织作弊（T3.5）。",
             "In one room and one subject, several copying incidents (T2.2) among "
             "neighbouring seats (front, back, sides, diagonals): the chief examiner may "
             "consider whether it was organised cheating (T3.5)."),
        Text("不会自动改变任何事件的违纪条款；改为 T3.5 须主考查阅记录后另行决定。" + _PROMPT.zh,
             "No incident's rule is changed automatically; putting one under T3.5 is a chief "
             "examiner's own decision after reading the records. " + _PROMPT.en)),
    "invigilator_outlier": KindText(
        Text("监考员记录率突出", "An invigilator's rate that stands out"),
        Text("某监考员每百名所监考场考生的提醒或上报事件数显著高于其他监考员的合计比率"
             "（两个泊松率的精确条件检验，单侧，Holm 校正）。",
             "An invigilator's reminders or reported incidents per 100 candidates of the rooms "
             "they were assigned to are significantly above the other invigilators' pooled "
             "rate (exact conditional test of two Poisson rates, one-sided, Holm-corrected)."),
        Text("不表示该监考员有过错；考场情况可能确实不同。" + _PROMPT.zh,
             "It shows no fault of the invigilator; their rooms may really have differed. "
             + _PROMPT.en)),
}

# The names for the kinds, accepted by ?kind= as well.
ALIASES = {"repeat_person": "repeat_offender", "impostor_id": "impostor_reappears",
           "training_body_rate": "training_body_outlier",
           "invigilator_rate": "invigilator_outlier"}
