"""The rulebook and the free-text rule suggester."""

from __future__ import annotations

import incidents
from proctor.api import bp
from proctor.api.schemas import (
    RuleOut,
    RulesOut,
    SuggestionOut,
    SuggestionsOut,
    SuggestQuery,
    TextOut,
)
from proctor.api.spec import endpoint
from proctor.models import EVERYONE


@endpoint(bp, "GET", "/rules", summary="Every rule code with tier and title", tag="rules",
          responses={200: RulesOut}, roles=EVERYONE)
def list_rules() -> RulesOut:
    book = incidents.default_rulebook()
    return RulesOut([
        RuleOut(code=rule.code, tier=int(rule.tier),
                title=TextOut(zh=rule.title.zh, en=rule.title.en),
                text=TextOut(zh=rule.text.zh, en=rule.text.en),
                requires_refused_warning=rule.requires_refused_warning)
        for rule in book.rules.values()
    ])


@endpoint(bp, "GET", "/rules/suggest", summary="Rule codes for free text, best first",
          tag="rules", query=SuggestQuery, responses={200: SuggestionsOut}, roles=EVERYONE)
def suggest_rules(query: SuggestQuery) -> SuggestionsOut:
    return SuggestionsOut([SuggestionOut(code=code, score=round(score, 4))
                           for code, score in incidents.suggest(query.q, limit=query.limit)])
