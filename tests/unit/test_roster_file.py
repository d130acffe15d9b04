"""Unit tests for proctor.services.roster_file (roster upload parsing, no database)."""

import io
import zipfile
from collections.abc import Sequence
from datetime import date

import openpyxl
import pytest

from proctor.idnumber import make_id_number
from proctor.services.roster_file import (
    MAX_ROWS,
    RosterParse,
    RosterRow,
    RowProblem,
    parse_roster,
)

ID_A = make_id_number("110105", date(1990, 1, 2), 11)
ID_B = make_id_number("310101", date(1985, 6, 30), 22)
ID_C = make_id_number("440305", date(2001, 12, 31), 33)
ID_X = "11010519491231002X"  # ends in X
HEADER = ["ticket_no", "name", "id_number", "subjects", "application", "training_body"]


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str = "utf-8", sep: str = ",") -> bytes:
    return "\r\n".join(sep.join(row) for row in rows).encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def only_error(result: RosterParse) -> RowProblem:
    assert result.rows == []
    assert len(result.errors) == 1
    return result.errors[0]


def test_english_csv_parses_all_fields() -> None:
    data = csv_bytes(
        [
            HEADER,
            ["A-001", "Zhang San", ID_A, "101;102", "group", "Acme Training"],
            ["A-002", "Li Si", ID_B, "", "individual", ""],
        ]
    )
    result = parse_roster(data, "roster.csv")
    assert result.errors == []
    assert result.rows == [
        RosterRow(2, "A-001", "Zhang San", ID_A, ("101", "102"), "group", "Acme Training"),
        RosterRow(3, "A-002", "Li Si", ID_B, None, "individual", None),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_csv_in_every_supported_encoding(encoding: str) -> None:
    data = csv_bytes(
        [
            ["准考证号", "姓名", "身份证号", "报考科目", "申报方式", "培训机构"],
            ["2024001", "张三", ID_A, "101、102；103", "团体", "上海某培训中心"],
            ["2024002", "欧阳娜娜", ID_X.lower(), "", "个人", ""],
        ],
        encoding,
    )
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    if encoding == "gb18030":  # make sure the fallback is really exercised
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    result = parse_roster(data, "名单.csv")
    assert result.errors == []
    assert [(r.row, r.name, r.id_number) for r in result.rows] == [
        (2, "张三", ID_A),
        (3, "欧阳娜娜", ID_X),
    ]
    assert result.rows[0].subjects == ("101", "102", "103")
    assert result.rows[0].training_body == "上海某培训中心"
    assert [r.application for r in result.rows] == ["group", "individual"]


@pytest.mark.parametrize("data", [b"\xff\xfe\x80\x81", "姓名".encode("utf-16"), b"a\x00b,c\n"])
def test_undecodable_csv_is_one_file_error(data: bytes) -> None:
    problem = only_error(parse_roster(data, "roster.csv"))
    assert problem == RowProblem(0, "cannot read file: not UTF-8 or GB18030", None)


def test_xlsx_numeric_ticket_becomes_text_and_numeric_id_is_refused() -> None:
    data = xlsx_bytes(
        [
            ["准考证号", "姓名", "身份证号码"],
            [20240001, "张三", ID_A],
            [20240002.0, "李四", ID_B],
            ["2024-003", "王五", 110105199001020111],
        ]
    )
    result = parse_roster(data, "roster.XLSX")
    assert [(r.row, r.ticket_no) for r in result.rows] == [(2, "20240001"), (3, "20240002")]
    assert len(result.errors) == 1
    problem = result.errors[0]
    assert (problem.row, problem.field) == (4, "id_number")
    assert "stored as a number" in problem.message
    assert "Text" in problem.message


def test_xlsx_row_numbers_match_excel_with_blank_rows() -> None:
    data = xlsx_bytes(
        [
            HEADER,
            ["T1", "Alice", ID_A],
            [None, None, None],
            ["", "  ", None],
            ["T2", "Bob", "not an id"],
            [],
            ["T3", "Carol", ID_C, 101],
        ]
    )
    result = parse_roster(data, "roster.xlsx")
    assert [r.row for r in result.rows] == [2, 7]
    assert result.rows[1].subjects == ("101",)
    assert [(e.row, e.field) for e in result.errors] == [(5, "id_number")]


def test_csv_blank_rows_are_skipped_but_counted() -> None:
    data = csv_bytes([HEADER[:3], ["T1", "A", ID_A], [",,"], [""], ["T2", "B", ID_B]])
    result = parse_roster(data, "r.csv")
    assert result.errors == []
    assert [r.row for r in result.rows] == [2, 5]


def test_csv_row_numbers_count_records_not_physical_lines() -> None:
    text = f'ticket_no,name,id_number,training_body\nT1,A,{ID_A},"Line one\nline two"\nT2,B,bad\n'
    result = parse_roster(text.encode(), "r.csv")
    assert result.rows[0].training_body == "Line one\nline two"
    assert [(e.row, e.field) for e in result.errors] == [(3, "id_number")]


@pytest.mark.parametrize(
    "header",
    [
        ["ticket_no", "name", "id_number"],
        ["  TICKET_NO ", "Name", "ID_Number"],
        ["Ticket No", "NAME", "id number"],
        ["准考证", "姓名", "证件号码"],
        ["准考证号", "姓名", "身份证号码"],
        ["\ufeff准考证号", "姓名*", "身份证号"],
    ],
)
def test_header_aliases(header: list[str]) -> None:
    result = parse_roster(csv_bytes([header, ["T1", "Alice", ID_A]]), "r.csv")
    assert result.errors == []
    assert result.rows[0].ticket_no == "T1"
    assert result.rows[0].subjects is None
    assert result.rows[0].application is None


def test_unknown_columns_are_ignored_and_order_does_not_matter() -> None:
    data = xlsx_bytes(
        [["备注", "身份证号", "Phone", "姓名", "准考证号"], ["x", ID_A, 139, "A", "T9"]]
    )
    result = parse_roster(data, "r.xlsx")
    assert result.errors == []
    assert result.rows[0] == RosterRow(2, "T9", "A", ID_A, None, None, None)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["name", "id_number"], "ticket_no"),
        (["准考证号", "身份证号"], "name"),
        (["准考证号", "姓名", "身份证"], "id_number"),
    ],
)
def test_missing_required_column_is_one_error_on_row_1(header: list[str], missing: str) -> None:
    result = parse_roster(csv_bytes([header, ["a", "b", "c"]]), "r.csv")
    problem = only_error(result)
    assert (problem.row, problem.field) == (1, missing)
    assert missing in problem.message


def test_same_column_twice_is_a_header_error() -> None:
    result = parse_roster(csv_bytes([["准考证号", "姓名", "身份证号", "证件号码"]]), "r.csv")
    problem = only_error(result)
    assert (problem.row, problem.field) == (1, "id_number")


def test_duplicates_are_reported_on_the_later_row() -> None:
    data = csv_bytes(
        [
            HEADER[:3],
            ["T1", "A", ID_A],
            ["T2", "B", ID_B],
            ["t1", "C", ID_C],  # same ticket, different case
            ["T4", "D", ID_B.lower()],  # same ID once normalised
        ]
    )
    result = parse_roster(data, "r.csv")
    assert [r.row for r in result.rows] == [2, 3]
    assert [(e.row, e.field) for e in result.errors] == [(4, "ticket_no"), (5, "id_number")]
    assert "row 2" in result.errors[0].message
    assert "row 3" in result.errors[1].message


@pytest.mark.parametrize(
    ("cells", "field", "fragment"),
    [
        (["", "A", ID_A], "ticket_no", "empty"),
        (["T 1", "A", ID_A], "ticket_no", "letters, digits"),
        (["T_1", "A", ID_A], "ticket_no", "letters, digits"),
        (["T" * 33, "A", ID_A], "ticket_no", "1-32"),
        (["T1", "", ID_A], "name", "empty"),
        (["T1", "名" * 65, ID_A], "name", "64"),
        (["T1", "A", ""], "id_number", "empty"),
        (["T1", "A", ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")], "id_number", "check digit"),
        (["T1", "A", "110105199902301230"], "id_number", "birth date"),
        (["T1", "A", ID_A[:17]], "id_number", "18 characters"),
        (["T1", "A", "1.10105E+17"], "id_number", "stored as a number"),
    ],
)
def test_bad_cells_are_reported(cells: list[str], field: str, fragment: str) -> None:
    result = parse_roster(csv_bytes([HEADER[:3], cells]), "r.csv")
    problem = only_error(result)
    assert (problem.row, problem.field) == (2, field)
    assert fragment in problem.message


def test_row_with_several_problems_gets_one_per_field() -> None:
    data = csv_bytes([HEADER, ["", "", "123", "", "both", ""]])
    result = parse_roster(data, "r.csv")
    assert result.rows == []
    assert [e.field for e in result.errors] == ["ticket_no", "name", "id_number", "application"]
    assert all(e.row == 2 for e in result.errors)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("101", ("101",)),
        ("101;102", ("101", "102")),
        ("101, 102 ,103", ("101", "102", "103")),
        ("101、102；103，104 105", ("101", "102", "103", "104", "105")),
        ("101;101;102", ("101", "102")),
        ("", None),
        ("  ", None),
    ],
)
def test_subject_separators(cell: str, expected: tuple[str, ...] | None) -> None:
    result = parse_roster(csv_bytes([HEADER[:4], ["T1", "A", ID_A, f'"{cell}"']]), "r.csv")
    assert result.errors == []
    assert result.rows[0].subjects == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("团体", "group"), ("GROUP", "group"), ("个人", "individual"), ("Individual", "individual")],
)
def test_application_values(cell: str, expected: str) -> None:
    header = ["准考证号", "姓名", "身份证号", "申报方式"]
    result = parse_roster(csv_bytes([header, ["T1", "A", ID_A, cell]]), "r.csv")
    assert result.rows[0].application == expected


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_tab_and_semicolon_delimited_csv(sep: str) -> None:
    data = csv_bytes([HEADER[:3], ["T1", "A", ID_A]], sep=sep)
    assert parse_roster(data, "r.csv").rows[0].id_number == ID_A


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01garbage bytes\xff" * 10, b"PK\x03\x04truncated", zip_without_workbook()],
)
def test_garbage_named_xlsx_is_one_error(data: bytes) -> None:
    problem = only_error(parse_roster(data, "roster.xlsx"))
    assert problem == RowProblem(0, "not a valid .xlsx file", None)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"ticket_no,name,id_number\n", "roster.txt"),
        (b"%PDF-1.4", "roster.pdf"),
        (b"ticket_no,name,id_number\n", "roster"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "roster.xls"),
    ],
)
def test_unsupported_file_types(data: bytes, filename: str) -> None:
    problem = only_error(parse_roster(data, filename))
    assert problem.row == 0
    assert problem.message.startswith("unsupported file type")


def test_workbook_uploaded_as_csv_is_explained() -> None:
    problem = only_error(parse_roster(xlsx_bytes([HEADER]), "roster.csv"))
    assert problem.row == 0
    assert ".xlsx" in problem.message


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b",,,\n"])
def test_empty_csv(data: bytes) -> None:
    problem = only_error(parse_roster(data, "r.csv"))
    assert (problem.row, problem.field) == (0, None)
    assert "empty" in problem.message


def test_header_must_be_on_row_1() -> None:
    result = parse_roster(csv_bytes([[""], HEADER[:3], ["T1", "A", ID_A]]), "r.csv")
    assert only_error(result).row == 1


def test_header_only_file_has_no_rows_and_no_errors() -> None:
    assert parse_roster(xlsx_bytes([HEADER]), "r.xlsx") == RosterParse([], [])


def test_row_limit() -> None:
    body = [[f"T{i}", "A", ID_A] for i in range(MAX_ROWS + 1)]
    problem = only_error(parse_roster(csv_bytes([HEADER[:3], *body]), "r.csv"))
    assert problem.row == 0
    assert problem.message.startswith("too many rows")


def test_row_limit_is_inclusive() -> None:
    body = [[f"T{i}", "A", ID_A] for i in range(MAX_ROWS)]
    result = parse_roster(csv_bytes([HEADER[:3], *body, [",,"]]), "r.csv")
    assert len(result.rows) == 1  # every later row repeats the ID number
    assert len(result.errors) == MAX_ROWS - 1
    assert result.errors[-1].row == MAX_ROWS + 1
