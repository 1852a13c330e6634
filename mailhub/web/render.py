"""Pages: the Jinja2 templates, Vietnamese dates and labels, and the one HTML cleaner
(nh3) that mail bodies pass through before a browser sees them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
STATE_NAMES = {"filed": "Đã lưu", "rejected": "Từ chối", "quarantined": "Chờ xem xét",
               "duplicate": "Trùng", "error": "Lỗi", "directive": "Công văn",
               "bounce": "Thư báo lỗi gửi", "received": "Đang xử lý"}
STANDING_NAMES = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp"}
DELIVERY_NAMES = {"pending": "Chờ gửi", "sending": "Đang gửi", "sent": "Đã gửi",
                  "deferred": "Gửi lại sau", "failed": "Không gửi được"}
ROLE_NAMES = {"team": "Tổ nghiệp vụ", "leader": "Lãnh đạo", "inspector": "Thanh tra",
              "admin": "Quản trị"}
LEVEL_NAMES = {"MN": "Mầm non", "TH": "Tiểu học", "THCS": "THCS"}
# Mail HTML keeps its text and layout, nothing that runs or fetches: no scripts, styles,
# forms or frames (nh3's defaults), and no images, which would call a sender's server.
MAIL_TAGS = nh3.ALLOWED_TAGS - {"img"}


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=MAIL_TAGS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


def templates(zone: ZoneInfo) -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True))

    def local(when: str | datetime | None) -> datetime | None:
        if not when:
            return None
        found = datetime.fromisoformat(when) if isinstance(when, str) else when
        return found.astimezone(zone)

    def vn_time(when: str | datetime | None) -> str:
        found = local(when)
        return found.strftime("%H:%M %d/%m/%Y") if found else ""

    def vn_date(when: str | datetime | None) -> str:
        found = local(when)
        return found.strftime("%d/%m/%Y") if found else ""

    def vn_month(month: str | None) -> str:
        if not month:
            return ""
        year, number = month.split("-")
        return f"{number}/{year}"

    def percent(part: int, whole: int) -> str:
        return f"{100 * part / whole:.0f}%" if whole else "—"

    def number(value: int) -> str:
        return f"{value:,}".replace(",", ".")  # Vietnamese groups thousands with dots

    env.filters.update(vn_time=vn_time, vn_date=vn_date, vn_month=vn_month, percent=percent,
                       number=number, state_name=lambda s: STATE_NAMES.get(s, s),
                       standing_name=lambda s: STANDING_NAMES.get(s, s),
                       delivery_name=lambda s: DELIVERY_NAMES.get(s, s),
                       role_name=lambda s: ROLE_NAMES.get(s, s),
                       level_name=lambda s: LEVEL_NAMES.get(s, s or "—"))
    return Jinja2Templates(env=env)


def page_context(**values: Any) -> dict[str, Any]:
    return values
