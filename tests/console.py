"""The office as the console tests see it: a few filed reports (one school late in
October), mail for two teams, a quarantined message, an HTML mail with a script, and one
staff account per role. Shared by the API tests and the browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailhub.hub import Hub
from mailhub.pipeline import Envelope, ingest
from mailhub.staff import Role, add_user

from .factory import VN, mail

PASSWORD = "mat-khau-du-dai-2026"
LEADER, TEAM_TH, INSPECTOR, ADMIN = ("lanhdao@hanoiedu.vn", "gv.tieuhoc@hanoiedu.vn",
                                     "thanhtra@hanoiedu.vn", "quantri@hanoiedu.vn")
TH_TEAM = "totieuhoc.pgdhm@hanoiedu.vn"
THCS_TEAM = "tothcs.pgdhm@hanoiedu.vn"
LATE_SCHOOL = "TH-DINHCONG"          # its October report came on the 28th


@dataclass(frozen=True)
class Seeded:
    late_report: int      # TH Định Công, October, late: the TH team's
    on_time_report: int   # TH Đại Kim, October, on time
    thcs_report: int      # a THCS school's report: the THCS team's, not the TH team's
    held: int             # quarantined: an official domain, not in the registry
    scripted: int         # HTML body with <script> and a remote image


def _file(hub: Hub, raw: bytes, received: datetime, to: str = TH_TEAM) -> int:
    outcome = ingest(hub, raw, Envelope(door="smtp", rcpt_to=(to,), received_at=received))
    return outcome.id


def seed(hub: Hub) -> Seeded:
    late = _file(hub, mail("c1dinhcong-hm@hanoiedu.vn", "Báo cáo tháng 10/2026",
                           "Kính gửi Tổ Tiểu học, trường gửi báo cáo tháng 10."),
                 datetime(2026, 10, 28, 9, 0, tzinfo=VN))
    on_time = _file(hub, mail("c1daikim-hm@hanoiedu.vn", "Báo cáo tháng 10/2026",
                              "Kính gửi Tổ Tiểu học, trường gửi báo cáo tháng 10."),
                    datetime(2026, 10, 20, 9, 0, tzinfo=VN))
    thcs = _file(hub, mail("c2dinhcong-hm@hanoiedu.vn", "Báo cáo tháng 10/2026 THCS",
                           "Kính gửi Tổ THCS, trường gửi báo cáo tháng 10.", to=THCS_TEAM),
                 datetime(2026, 10, 21, 9, 0, tzinfo=VN), to=THCS_TEAM)
    held = _file(hub, mail("truong-moi@hanoiedu.vn", "Báo cáo tuyển sinh năm học 2026-2027",
                           "Trường mới thành lập gửi báo cáo tuyển sinh."),
                 datetime(2026, 11, 20, 8, 0, tzinfo=VN))
    scripted = _file(hub, mail(
        "c1daikim-hm@hanoiedu.vn", "Báo cáo an toàn thực phẩm tháng 11/2026",
        "<p>Kính gửi Tổ Tiểu học,</p><script>window.__pwned = 1; alert('xss')</script>"
        "<img src=\"http://tracker.invalid/p.gif\" onerror=\"alert('img')\">"
        "<p onclick=\"alert('click')\">Báo cáo vệ sinh an toàn thực phẩm.</p>", html=True),
        datetime(2026, 11, 20, 8, 30, tzinfo=VN))
    for email, role, team in ((LEADER, Role.LEADER, ""), (TEAM_TH, Role.TEAM, "TO-TH"),
                              (INSPECTOR, Role.INSPECTOR, ""), (ADMIN, Role.ADMIN, "")):
        add_user(hub, email, role, PASSWORD, team)
    return Seeded(late, on_time, thcs, held, scripted)
