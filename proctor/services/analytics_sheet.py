"""The oversight figures as the clerk's XLSX: the groups' sheet (columns declared once below, in
Chinese unless lang=en: bold frozen header, widths, autofilter, text cells that are never
formulas) and a second sheet saying what the figures are (period, grouping, denominator)."""

from __future__ import annotations

import io
from datetime import date, tzinfo
from typing import Any

from openpyxl import Workbook

from proctor.services.tables import Column, Fact, Kind, Lang, Sheet, Table, add_manifest_sheet

GROUP_HEADERS = {
    "rule": ("条款", "Rule"), "tier": ("违纪类别", "Tier"), "room": ("考场", "Room"),
    "sitting": ("考试场次", "Sitting"), "training_body": ("培训机构", "Training body"),
    "invigilator": ("记录人", "Recorded by"), "hour": ("时段（考点时间）", "Hour (venue time)")}

# (the answer's path, Chinese header, English header, width): every figure of a group.
FIGURES: tuple[tuple[str, str, str, float], ...] = (
    ("candidates", "考生数", "Candidates", 10),
    ("reminders", "提醒", "Reminders", 8), ("refusals", "拒不改正", "Refusals", 10),
    ("reported", "上报事件", "Reported", 10), ("confirmed", "确认", "Confirmed", 8),
    ("dismissed", "不予认定", "Dismissed", 10), ("pending", "待决定", "Pending", 8),
    ("overturned", "复核撤销", "Overturned", 10),
    ("rates_per_100.reminders", "每百人提醒", "Reminders per 100", 12),
    ("rates_per_100.refusals", "每百人拒不改正", "Refusals per 100", 14),
    ("rates_per_100.reported", "每百人上报", "Reported per 100", 12),
    ("rates_per_100.confirmed", "每百人确认", "Confirmed per 100", 12),
    ("rates_per_100.dismissed", "每百人不予认定", "Dismissed per 100", 14),
    ("decided", "已决定", "Decided", 8),
    ("median_hours_to_decision", "上报至决定中位数（小时）", "Median hours to decision", 16),
    ("notices", "处理决定书", "Decision notices", 12), ("served", "已送达", "Served", 8),
    ("median_days_to_service", "决定至送达中位数（天）", "Median days to service", 16),
    ("reviews.requested", "复核申请", "Reviews", 10), ("reviews.upheld", "维持", "Upheld", 8),
    ("reviews.changed", "变更", "Changed", 8), ("reviews.overturned", "撤销", "Overturned", 8),
    ("reviews.pending", "复核待决定", "Reviews pending", 10))


def table(group_by: str) -> Table:
    """The groups' sheet for a grouping: the group's name, its key, then every figure."""
    zh, en = GROUP_HEADERS[group_by]
    return Table("统计分析", "Analytics", (
        Column("label", zh, en, Kind.TEXT, 24), Column("key", "代码", "Key", Kind.ID, 8),
        *(Column(path, head_zh, head_en, Kind.NUMBER, width)
          for path, head_zh, head_en, width in FIGURES)))


def figure(group: dict[str, Any], path: str) -> Any:
    value: Any = group
    for part in path.split("."):
        value = value[part]
    return value


ABOUT = (Fact("from", "起始日期", "From", Kind.DATE), Fact("to", "截止日期", "To", Kind.DATE),
         Fact("group_by", "分组", "Grouped by", Kind.TEXT),
         Fact("candidates", "期间考生数", "Candidates of the period", Kind.NUMBER),
         Fact("denominator", "比率的分母", "Rates per 100 of", Kind.TEXT),
         Fact("generated_at", "生成时间", "Generated at", Kind.MOMENT))
DENOMINATORS = {"group": ("本组考生", "the group's candidates"),
                "period": ("期间全部考生", "all candidates of the period")}


def xlsx(answer: dict[str, Any], generated_at: str, lang: Lang, zone: tzinfo) -> bytes:
    """The workbook of an analytics answer (`services.analytics.analytics`)."""
    sheet_table = table(answer["group_by"])
    book = Workbook(write_only=True)
    labels = [group["label"]["en" if lang == "en" else "zh"] for group in answer["groups"]]
    sheet = Sheet(book, sheet_table, lang, zone, sheet_table.fit([[label, ""] + [""] * len(
        FIGURES) for label in labels]))
    for label, group in zip(labels, answer["groups"], strict=True):
        key = group["key"]
        sheet.add_typed([sheet.plain(label) if label else None,
                         None if key is None else sheet.text(str(key)),
                         *(figure(group, path) for path, *_ in FIGURES)])
    sheet.close()
    zh, en = GROUP_HEADERS[answer["group_by"]]
    low, high = DENOMINATORS[answer["denominator"]]
    period = {name: date.fromisoformat(answer[name]) if answer[name] else None
              for name in ("from", "to")}
    add_manifest_sheet(book, ABOUT, {
        **period, "group_by": en if lang == "en" else zh, "candidates": answer["candidates"],
        "denominator": high if lang == "en" else low, "generated_at": generated_at},
        lang, zone)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
