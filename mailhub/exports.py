"""Rows to a file the office opens in Excel: CSV or XLSX by the file's suffix, with
Vietnamese column headings. Also the headings of each audit view, so that every export of
one view reads the same."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from mailhub.errors import MailhubError

SUFFIXES = (".csv", ".xlsx")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
_WIDEST = 60  # characters: a long subject wraps rather than pushing the next column away
_TIME_FORMAT = "yyyy-mm-dd hh:mm"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XLSX (XML) cannot hold these

COMPLIANCE = {"unit": "Mã đơn vị", "name": "Tên đơn vị", "level": "Cấp học",
              "ward": "Phường", "email": "Hộp thư", "state": "Trạng thái",
              "deadline": "Hạn nộp", "filed_at": "Nhận lúc", "message": "Mã thư"}
DIRECTIVES = {"id": "Mã công văn", "number": "Số công văn", "subject": "Trích yếu",
              "sender": "Người gửi", "lists": "Danh sách nhận", "created_at": "Gửi lúc",
              "recipients": "Số nơi nhận", "sent": "Đã gửi", "acknowledged": "Đã xác nhận"}
SENDERS = {"address": "Địa chỉ gửi", "attempts": "Số lần", "refused": "Từ chối khi nhận",
           "rejected": "Thư bị trả lại", "first_at": "Lần đầu", "last_at": "Lần cuối",
           "rules": "Quy tắc", "doors": "Cổng nhận"}
RULES_TRY = {"id": "Mã thư", "received_at": "Nhận lúc", "sender": "Người gửi",
             "subject": "Tiêu đề", "changes": "Thay đổi",
             "old_verdict": "Kết quả cũ", "new_verdict": "Kết quả mới",
             "old_topics": "Chủ đề cũ", "new_topics": "Chủ đề mới",
             "old_unit": "Đơn vị cũ", "new_unit": "Đơn vị mới",
             "old_period": "Kỳ cũ", "new_period": "Kỳ mới",
             "old_team": "Tổ cũ", "new_team": "Tổ mới",
             "old_urgent": "Khẩn cũ", "new_urgent": "Khẩn mới", "error": "Lỗi"}
SEARCH = {"id": "Mã thư", "received_at": "Nhận lúc", "from": "Người gửi", "unit": "Mã đơn vị",
          "level": "Cấp học", "topics": "Chủ đề", "period": "Kỳ báo cáo", "verdict": "Kết quả",
          "subject": "Tiêu đề", "attachments": "Tệp đính kèm", "snippet": "Trích đoạn",
          "message_id": "Message-ID"}


def write_rows(path: Path, rows: Sequence[Mapping[str, Any]], headings: Mapping[str, str],
               zone: tzinfo | None = None) -> None:
    """Write `rows` to `path` as CSV (UTF-8 with a byte order mark, which Excel needs to
    read Vietnamese) or XLSX, by the suffix; anything else is a MailhubError, raised before
    any file is touched. The columns are the keys of `headings`, in order, headed by its
    values. Lists are joined with ", "; datetimes, and strings that are ISO date-times, are
    shown in `zone` (default: as given) — as real dates in XLSX."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise MailhubError(f"không xuất được tệp '{path.name}' / cannot export to '{path.name}':"
                           f" dùng đuôi .csv hoặc .xlsx / use a .csv or .xlsx file name")
    table = [[_cell(row.get(key), zone) for key in headings] for row in rows]
    try:
        if suffix == ".csv":
            _csv(path, list(headings.values()), table)
        else:
            _xlsx(path, list(headings.values()), table)
    except OSError as exc:
        raise MailhubError(f"không ghi được / cannot write {path}: {exc}") from exc


def _cell(value: Any, zone: tzinfo | None) -> Any:
    """A value as a spreadsheet cell: text, a number, or a zone-less local datetime."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zones: the office's local time
            value = (value.astimezone(zone) if zone else value).replace(tzinfo=None)
        return value.replace(microsecond=0)
    return value


def _csv(path: Path, headings: list[str], table: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headings)
        writer.writerows([[_inert(v) if isinstance(v, str) else _text(v) for v in row]
                          for row in table])


def _inert(text: str) -> str:
    """Text Excel will not run: a sender's subject "=HYPERLINK(...)" would be a formula
    (CSV injection), so such a cell starts with an apostrophe, as Excel itself writes it."""
    return f"'{text}" if text[:1] in _FORMULA_START else text


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")  # what Excel reads as a date-time
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


def _xlsx(path: Path, headings: list[str], table: list[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table:
        sheet.append([_CONTROL.sub("", v) if isinstance(v, str) else
                      _text(v) if isinstance(v, bool) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # a sender's "=..." is text here, never a formula
                cell.data_type = "s"
    for column, heading in enumerate(headings, start=1):
        letter = get_column_letter(column)
        widest = len(heading)
        for cell in sheet[letter][1:]:
            if isinstance(cell.value, datetime | date):
                cell.number_format = _TIME_FORMAT
                widest = max(widest, len(_TIME_FORMAT))
            else:
                widest = max(widest, len(str(cell.value or "")))
        sheet.column_dimensions[letter].width = min(widest, _WIDEST) + 2
    sheet.freeze_panes = "A2"  # the headings stay in view while scrolling
    book.save(path)
