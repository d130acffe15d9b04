"""Every error the app can answer has its words in Chinese, and the API answers in the
request's language (Accept-Language), the code unchanged."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import cid, now_iso

ROOT = Path(__file__).resolve().parents[2]


def raised_codes() -> set[str]:
    """The codes of every ApiError, IngestError and RuleError in the source, and the engine's."""
    codes: set[str] = set()
    for path in [*(ROOT / "proctor").rglob("*.py"), *(ROOT / "incidents").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"ApiError": 1, "IngestError": 0, "RuleError": 0}.get(str(name))
            if position is not None and len(node.args) > position \
                    and isinstance(node.args[position], ast.Constant) \
                    and isinstance(node.args[position].value, str):
                codes.add(node.args[position].value)
    from incidents.errors import _DEFAULTS
    from proctor.errors import _HTTP_CODES

    return codes | set(_DEFAULTS) | set(_HTTP_CODES.values())


def test_every_code_has_its_chinese_words():
    from proctor.messages import ZH

    missing = sorted(raised_codes() - set(ZH))
    assert not missing, f"no Chinese message for: {missing}"
    english = {code: text for code, text in ZH.items()
               if any("a" <= ch <= "z" for ch in text.replace("JSON", "").replace("JPEG", "")
                      .replace("PNG", "").replace("WebP", "").lower())}
    assert not english, f"English in the Chinese messages: {english}"


def test_api_errors_follow_accept_language(auth, make_sitting):
    s = make_sitting()
    inv = auth.login("inv1")
    body = {"client_id": cid(), "rule_code": "T1.1", "observed_at": now_iso(),
            "description": "", "parties": [{"ticket_no": s["tickets"][0]}]}
    url = f"/api/v1/sittings/{s['id']}/incidents"
    english = inv.post(url, json=body).get_json()["error"]
    chinese = inv.post(url, json={**body, "client_id": cid()},
                       headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_json()["error"]
    assert english["code"] == chinese["code"] == "warning_required"
    assert english["message"].isascii()
    assert "提醒" in chinese["message"] and chinese["message"].isascii() is False
    bad = inv.post(url, json={**body, "client_id": cid(), "observed_at": "yesterday"},
                   headers={"Accept-Language": "zh-CN"}).get_json()["error"]
    assert bad["code"] == "validation_error" and bad["field"] == "observed_at"
    assert bad["message"].startswith("发现时间："), bad
