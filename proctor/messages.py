"""Error messages in the request's language: the code stays, the words follow the reader.

Every error the API answers has a stable `code`; its `message` is for a person. A page asks in
its own language (the tablets' JS sends `Accept-Language` as the screen's language), another
system in whatever its `Accept-Language` says; without one, the message stays English, as the
code raised it. The Chinese words are kept here, by code, with the field named in Chinese —
the English message, which carries details such as numbers, is what the code's raiser wrote.
`tests/unit/test_messages.py` checks that every code the app can raise has its Chinese words.
"""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context, request

from proctor.i18n import COOKIE, LANGUAGES, current_language

ZH: dict[str, str] = {
    # HTTP and request format
    "bad_request": "请求格式不正确。",
    "unauthenticated": "请先登录（或提供访问令牌）。",
    "forbidden": "无权执行此操作。",
    "not_found": "找不到所请求的内容。",
    "method_not_allowed": "不支持此请求方式。",
    "conflict": "操作冲突，请重试。",
    "payload_too_large": "上传的内容过大。",
    "unsupported_media_type": "请求内容的格式不受支持，请以 JSON 发送。",
    "validation_error": "填写的内容有误。",
    "invalid_date_range": "起始日期不能晚于截止日期。",
    "rate_limited": "尝试次数过多，请稍后再试。",
    "http_error": "请求未能完成。",
    "internal_error": "服务器处理请求时出错，记录未保存，请重试。",
    "invalid_json": "请求内容不是有效的 JSON。",
    "csrf_failed": "页面已过期，请刷新页面后重试。",
    "too_deeply_nested": "请求内容嵌套过深。",
    "uri_too_long": "请求地址过长。",
    "headers_too_large": "请求头过大。",
    "storage_unavailable": ("服务器暂时无法保存记录（存储繁忙或已满），记录保留在本机，"
                            "稍后自动重试。"),
    "server_full": "服务器的实时连接已满，请稍后重试。",
    # accounts and sessions
    "invalid_credentials": "用户名或密码错误。",
    "weak_password": "密码至少需要 8 个字符。",
    "username_taken": "该用户名已存在。",
    "user_not_found": "找不到该用户。",
    "unknown_user": "找不到该用户。",
    "user_disabled": "请先启用该账号，再为其生成令牌。",
    "cannot_disable_self": "不能停用自己的账号。",
    "role_mismatch": "该用户的角色与所分配的职责不符。",
    "separation_of_duties": "不能处理本人报告的违纪事件。",
    # sittings, rooms, candidates
    "sitting_not_found": "找不到该场次。",
    "room_not_found": "该场次没有这个考场。",
    "unknown_room": "该场次没有这个考场。",
    "room_exists": "该场次已有同名考场。",
    "room_required": "监考员须分配到考场。",
    "duplicate_subject": "科目重复。",
    "unknown_subject": "该场次没有这个科目。",
    "subject_ends_before_start": "科目的结束时间须晚于开始时间。",
    "subject_not_on_sitting_date": "科目须在场次当天进行（按考点时区）。",
    "subject_not_taken": "该考生不参加这个科目。",
    "unknown_ticket_no": "该场次没有这个准考证号的考生。",
    "person_already_registered": "该证件号码已用其他准考证号报名本场次。",
    "ticket_taken": ("该准考证号已属于另一名考生（证件号码不同），未作修改。"
                     "更正身份须由评价机构单独办理并说明理由。"),
    "invalid_id_number": "证件号码不正确，请核对。",
    "same_person": "该准考证号已是这个证件号码，此处不更正姓名。",
    "name_mismatch": "该证件号码属于以另一姓名登记的人员。",
    "ticket_has_records": "该准考证号的违纪记录已处理或已签字，不能在此更正身份，请通过复核处理。",
    "roster_invalid": "名单文件有误，未导入任何记录，请按行修正后重新导入。",
    "file_required": "请选择要上传的文件。",
    # registration photos and the identity check (人证核验)
    "photos_invalid": "照片压缩包有误（有无法对应考生的文件名或被拒收的文件），未导入任何照片。",
    "not_a_zip": "文件不是有效的压缩包。",
    "zip_too_many_files": "压缩包内文件过多。",
    "zip_too_large": "压缩包解压后过大。",
    "zip_bomb": "压缩包的压缩比异常（疑似压缩炸弹），已拒收。",
    "zip_damaged": "压缩包已损坏，无法读取。",
    "zip_member_path": "文件名中含有路径，只接受以准考证号或身份证号命名的文件。",
    "zip_member_encrypted": "文件已加密。",
    "duplicate_photo": "同一考生有多张照片。",
    "photo_not_found": "该考生没有报名照片。",
    "photo_file_missing": "照片文件缺失。",
    "no_face_crop": "照片中未检测到唯一的人脸。",
    "checkin_photo_not_found": "找不到该考生的这张核验照片。",
    "no_identity_photos": "该考生既无报名照片也无核验照片。",
    # the floor
    "seat_out_of_range": "座位号超出本考场的座位范围。",
    "seat_taken": "该座位已有考生。",
    "not_a_warning_rule": "提醒只适用于禁携物品、离开座位和扰乱秩序三类行为。",
    "warning_not_found": "找不到该提醒记录。",
    "warning_already_resolved": "该提醒的结果已记录。",
    "note_required": "请在说明中写明情况。",
    "client_id_conflict": "记录编号已被另一条记录使用，未保存。",
    "not_an_invigilator_of_this_room": "只有本考场的监考员可以签署考场记录。",
    # incidents and the rules
    "incident_not_found": "找不到该违纪事件。",
    "unknown_rule_code": "没有这个违纪条款。",
    "warning_required": "此类行为须先提醒，考生拒不改正时才构成违纪：请在考生卡片上使用“提醒”。",
    "subject_required": "一类违纪须选择发生的科目。",
    "severity_required": "确认三类违纪须选择情节轻微或情节严重。",
    "severity_not_applicable": "情节轻重只适用于三类违纪。",
    "invalid_severity": "情节只能是轻微或严重。",
    "parties_required": "违纪事件至少需要一名当事人。",
    "duplicate_party": "同一人被列了两次。",
    "not_a_party": "该人员不是此事件的当事人。",
    "already_decided": "该违纪事件已经处理。",
    "incident_not_confirmed": "该违纪事件尚未确认。",
    "change_not_applicable": "只有复核结果为“变更”时才能填写新的情节或条款。",
    "nothing_changed": "复核结果为“变更”时，须填写新的情节或新的条款。",
    # evidence, signatures, seized items
    "evidence_not_found": "找不到该证据。",
    "evidence_file_missing": "证据文件缺失。",
    "evidence_purged": "该证据已在保存期满后删除。",
    "not_an_image": "上传的文件不是图片。",
    "unsupported_image_type": "只接受 JPEG、PNG 或 WebP 图片。",
    "corrupt_image": "图片已损坏，无法读取。",
    "image_too_large": "图片文件过大。",
    "too_many_pixels": "图片像素过多。",
    "no_camera": "该考场没有摄像头。",
    "camera_unavailable": "考场摄像头没有响应，请稍后再试或用平板拍照。",
    "acknowledgement_not_found": "找不到该签字记录。",
    "already_acknowledged": "该记录已签字或已记录拒签，如需补充请添加补充说明。",
    "nothing_to_attest": "只有拒绝签字的记录需要见证。",
    "second_invigilator_required": "拒绝签字须由另一名监考员见证。",
    "already_attested": "已有第二名监考员见证。",
    "seized_item_not_found": "找不到该暂扣物品。",
    "already_returned": "该物品已经退还。",
    # notices and reviews
    "notice_not_found": "找不到该处理决定书。",
    "already_served": "送达情况已经记录。",
    "served_before_issue": "送达日期不能早于决定书的签发日期。",
    "date_in_future": "日期不能晚于今天。",
    "notice_not_served": "请先记录决定书的送达，复核期限从送达之日起算。",
    "received_before_service": "收到复核申请的日期不能早于送达日期。",
    "review_window_closed": "已超过申请复核的期限。",
    "review_pending": "该决定书已有正在办理的复核申请。",
    "review_not_found": "找不到该复核申请。",
    "review_already_decided": "该复核申请已经作出决定。",
    "not_reviewable": "复核决定书不再受理复核申请，请参阅其中列明的其他救济途径。",
    "notice_superseded": "该决定书已被新的决定书取代，请对现行有效的决定书申请复核。",
    "review_exhausted": "该当事人的复核申请已经作出决定，不再受理复核申请。",
    "remedies_file_missing": ("服务器配置的救济途径说明文件不存在，暂时无法出具文书。"
                              "请管理员检查配置。"),
    "remedies_file_invalid": ("服务器配置的救济途径说明文件格式有误，暂时无法出具文书。"
                              "请管理员检查配置。"),
    "pdf_font_missing": ("服务器缺少可嵌入的中文字体，无法生成此文书的下载文件。请管理员安装文泉驿"
                         "微米黑字体（或配置其他中文字体）；现在可打开文书页面，用浏览器打印。"),
    "pdf_glyphs_missing": ("服务器的中文字体缺少此文书中的个别字（如生僻字），无法生成下载文件。"
                           "请打开文书页面，用浏览器打印；或请管理员配置包含这些字的字体。"),
    # before the decision: pre-decision notices (事先告知) and statements (陈述申辩)
    "pre_notice_required": "须先向每一名当事人送达处理事先告知书，方可作出处理决定。",
    "statement_window_open": "陈述申辩期限尚未届满，当事人亦未书面放弃，暂不能作出处理决定。",
    "proposal_not_applicable": "该类违纪在本次评价中直接作出处理决定，无需事先告知。",
    "already_proposed": "该事件已拟处理并告知当事人，不能再更改。",
    "harsher_than_proposed": "处理决定不得重于事先告知的拟处理意见；如需加重，请重新告知。",
    "reasons_required": "当事人提出了陈述申辩，请写明采纳与否的理由。",
    "incident_not_proposed": "只有已拟处理的事件才能制发处理事先告知书。",
    "pre_notice_not_found": "找不到该处理事先告知书。",
    "pre_notice_not_served": "请先记录事先告知书的送达，陈述申辩期限从送达之日起算。",
    "public_service_not_allowed": ("只有在其他方式无法送达后，才能公告送达；"
                                   "请先记录未能送达的情况。"),
    "public_service_cannot_fail": "公告送达在张贴时记录，不记录为未送达。",
    "posted_at_required": "请写明公告张贴的地点。",
    "statement_waived": "当事人已书面放弃陈述申辩。",
    "statement_window_closed": "已超过陈述申辩的期限。",
    "statement_text_required": "请填写陈述申辩的内容。",
    "attachment_not_found": "找不到该附件，请先上传。",
    "file_too_large": "文件过大。",
    # conduct of staff and training bodies
    "conduct_record_not_found": "找不到该工作人员或培训机构违纪违规记录。",
    "unknown_conduct_code": "没有这个工作人员或培训机构违纪违规代码。",
    "code_not_for_subject": "该违纪违规代码不适用于此类对象：工作人员与培训机构的代码各不相同。",
    "staff_required": "请注明工作人员：账号，或姓名和证件号码。",
    "staff_given_twice": "请以账号或以姓名和证件号码注明工作人员，二者择一。",
    "staff_on_training_body": "培训机构的记录不注明工作人员。",
    "training_body_required": "请填写培训机构名称。",
    "training_body_on_staff": "工作人员的记录不填写培训机构。",
    "sitting_required": "主考只能记录本人负责场次的情况，请选择场次。",
    "not_staff_of_sitting": "该账号不是本场次的工作人员。",
    "own_conduct": "不能记录或处理关于本人的违纪违规记录。",
    "measure_required": "确认违纪违规须写明处理措施。",
    "measure_not_applicable": "不予认定的记录不写处理措施。",
    "conduct_reasons_required": "请写明处理的理由。",
    "not_confirmed": "只有已确认的记录才能制发处理通知书。",
    "conduct_file_not_found": "该记录没有这个附件。",
    "conduct_notice_not_found": "该记录尚未制发处理通知书。",
    # exports
    "export_incomplete": "导出未能完成，请重新导出。",
    # the room record's close-out
    "closeout_required": "请先填写发出和收回的试卷（或工件）数量，再签署考场记录。",
    "unexplained_discrepancy": "考场记录中还有未说明的异常，请逐项填写说明后再签署。",
    "unknown_discrepancy": "考场记录中没有这一项异常，请刷新页面后再填写说明。",
    "record_signed": "考场记录已有监考员签署，不能再修改；如需补充，请在考场日志中记录。",
    # movements (离座/返回)
    "already_out": "该考生已记录离座，尚未返回。",
    "not_out": "该考生没有离座记录，不能记录返回。",
    "reason_required": "请选择离座原因。",
    "escort_not_staff": "陪同人员不是本考场的工作人员，请直接填写姓名。",
    "observed_in_future": "记录时间晚于服务器时间，请核对平板的时钟。",
    "returned_before_left": "返回时间早于离座时间，请核对。",
    "not_seated": "该考生尚未安排座位，不能记录离座。",
    # the patrol (巡考)
    "seat_out_of_room": "该考场没有这个座位号。",
    "flag_note_required": "请写明巡考发现的情况。",
    "flag_not_found": "找不到该巡考标记。",
    "flag_photo_not_found": "找不到该巡考标记的照片。",
    "not_your_flag": "只有提出该标记的巡考员可以为其添加照片。",
    "flag_already_answered": "该巡考标记已经答复过。",
    "warning_id_required": "答复为“已提醒”时，请选择本考场的提醒记录。",
    "incident_id_required": "答复为“已报告违纪”时，请选择本考场的违纪事件。",
    "link_not_expected": "该答复结果不关联提醒或违纪记录。",
    "link_not_found": "找不到所关联的提醒或违纪记录。",
    "link_other_room": "所关联的记录必须是本考场的。",
    "patrol_record_signed": "您本场次的巡考记录表已签名，不能再添加内容。",
    "patrol_not_found": "本场次没有这名巡考员。",
    # analytics
    "invalid_period": "起始日期晚于截止日期，请重新选择期间。",
    # seating (考场编排)
    "check_in_started": "本场次已开始签到，不能再重新编排座位；请在考场内逐个调整。",
    "not_enough_seats": "考生人数超过各考场座位总数，请先增加考场或座位。",
    "unknown_strategy": "不支持该编排方式（目前只有随机编排）。",
    "unknown_separate_by": "不支持该分隔依据（只能按培训机构分隔，或不分隔）。",
}

# The fields a person fills in, as the screens call them.
FIELDS_ZH: dict[str, str] = {
    "username": "用户名", "password": "密码", "role": "角色", "display_name": "姓名",
    "ticket_no": "准考证号", "id_number": "证件号码", "id_numbers": "证件号码", "name": "姓名",
    "subject": "科目", "subjects": "科目", "rule_code": "违纪条款", "observed_at": "发现时间",
    "description": "经过", "parties": "涉及人员", "severity": "情节", "note": "说明",
    "client_id": "记录编号", "file": "文件", "seat_no": "座位号", "room_id": "考场",
    "status": "状态", "outcome": "结果", "decision": "处理意见", "date": "日期",
    "as_of": "日期", "starts_at": "开始时间", "ends_at": "结束时间", "occupation": "职业",
    "level": "等级", "rows": "行数", "cols": "列数", "code": "代码", "kind": "类别",
    "text": "内容", "kept_at": "存放地点", "returned_to": "退还给", "seized_at": "暂扣时间",
    "served_on": "送达日期", "received_on": "收到日期", "method": "方式",
    "camera_source": "摄像头", "taken_at": "拍摄时间", "format": "格式", "reason": "理由",
    "id_checked": "身份核验", "swap": "交换座位", "application": "报名方式",
    "training_body": "培训机构", "reasons": "理由", "witness": "见证人",
    "received_via": "收到方式", "posted_at": "公告地点", "failed": "未能送达",
    "seed": "随机种子", "strategy": "编排方式", "separate_by": "分隔依据",
    "attachment_ids": "附件", "waived": "放弃陈述申辩", "pre_notice_tiers": "事先告知的违纪类别",
    "handed_out": "发出数量", "collected": "收回数量", "discrepancy": "异常项",
    "staff_username": "工作人员账号", "staff_name": "工作人员姓名",
    "staff_id_number": "工作人员证件号码", "staff_duty": "工作职责", "measure": "处理措施",
    "subject_kind": "对象类别", "sitting_id": "场次",
    "escort": "陪同人员", "escort_username": "陪同人员",
    "warning_id": "提醒记录", "incident_id": "违纪事件", "invigilators": "在场监考员",
    "visited_at": "巡视时间", "rules_read": "宣读考场规则", "remarks": "异常情况",
    "patrol": "巡考员",
    "from": "起始日期", "to": "截止日期", "group_by": "分组方式",
}

# What pydantic says is wrong, by its error type (the field is named before it).
PYDANTIC_ZH: dict[str, str] = {
    "missing": "必须填写",
    "extra_forbidden": "不接受此项",
    "string_type": "须为文字",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "bool_type": "须为是或否",
    "bool_parsing": "须为是或否",
    "list_type": "须为列表",
    "too_short": "项数太少",
    "too_long": "项数太多",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "literal_error": "不是可选的值",
    "enum": "不是可选的值",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "datetime_type": "须为带时区的时间",
    "datetime_parsing": "须为带时区的时间（ISO 8601）",
    "timezone_aware": "须带时区",
    "model_type": "格式不正确",
    "dict_type": "须为对象",
    "json_invalid": "不是有效的 JSON",
    "value_error": "内容不正确",
    "string_sub_type": "须为文字",
}


def reader_language() -> str:
    """'zh' or 'en': the language a request is answered in. Pages: the screen's language
    (Chinese unless English was chosen). The API: the screen's choice if the request carries
    it, else what the client accepts, else English (another system that says nothing)."""
    if not has_request_context():
        return "en"
    if not request.path.startswith("/api/"):
        return current_language()
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return "en" if chosen == "en" else "zh"
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    return "zh" if best and best.lower().startswith("zh") else "en"


def field_zh(field: str | None) -> str:
    """A field path (`parties.0.ticket_no`) in words: the last named part, in Chinese."""
    if not field:
        return ""
    names = [part for part in re.split(r"[.\[\]]", field) if part and not part.isdigit()]
    for name in reversed(names):
        if name in FIELDS_ZH:
            return FIELDS_ZH[name]
    return names[-1] if names else field


def localized(code: str, message: str, field: str | None = None,
              extra: dict[str, Any] | None = None) -> tuple[str, dict[str, Any] | None]:
    """The error's message (and its validation details) in the reader's language."""
    if reader_language() != "zh":
        return message, extra
    if code == "validation_error" and extra and extra.get("details"):
        details = [{**d, "message": _detail_zh(d)} for d in extra["details"]]
        first = details[0]
        return first["message"], {**extra, "details": details}
    text = ZH.get(code, ZH["http_error"])
    if field and code in {"validation_error", "invalid_id_number", "file_required"}:
        text = f"{field_zh(field)}：{text}"
    return text, extra


def _detail_zh(detail: dict[str, Any]) -> str:
    what = PYDANTIC_ZH.get(str(detail.get("type", "")), "内容不正确")
    name = field_zh(detail.get("field"))
    return f"{name}：{what}" if name else what
