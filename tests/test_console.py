"""The office console over HTTP (FastAPI's TestClient, no browser): sign-in and sessions,
roles, CSRF, the sign-in throttle, the access log, exports, quarantine decisions, the
API; on SQLite and PostgreSQL. The browser tests are in test_console_browser.py."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from mailhub import audit, chain, quarantine
from mailhub.access import access_log
from mailhub.cli import app as cli
from mailhub.config import Settings, WebSettings
from mailhub.errors import ConfigError
from mailhub.hub import Hub, open_hub
from mailhub.quarantine import NotQuarantined
from mailhub.web.app import create_app
from mailhub.web.signin import COOKIE

from .console import ADMIN, INSPECTOR, LEADER, PASSWORD, TEAM_TH, THCS_TEAM, Seeded, seed


@pytest.fixture
def seeded(hub: Hub) -> Seeded:
    return seed(hub)


@pytest.fixture
def web(hub: Hub, seeded: Seeded) -> Iterator[Callable[..., TestClient]]:
    """A browser-like client per call; signed in as `who` unless who is None."""
    clients: list[TestClient] = []

    def client(who: str | None = LEADER, base_url: str = "http://testserver") -> TestClient:
        found = TestClient(create_app(hub), base_url=base_url, follow_redirects=False)
        clients.append(found)
        if who is not None:
            answer = sign_in(found, who, PASSWORD)
            assert answer.status_code == 303, answer.text
        return found

    yield client
    for found in clients:
        found.close()


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> object:
    token = form_token(client.get("/dang-nhap").text)
    return client.post("/dang-nhap", data=dict(email=email, password=password, csrf=token,
                                               next="/"))


# sign-in, sessions, cookies ------------------------------------------------------------


def test_pages_and_api_need_a_signed_in_visitor(web: Callable[..., TestClient]) -> None:
    anonymous = web(None)
    page = anonymous.get("/nop-bao-cao?level=TH")
    assert page.status_code == 303
    assert page.headers["location"] == "/dang-nhap?next=/nop-bao-cao%3Flevel%3DTH"
    assert anonymous.get("/api/today").status_code == 401
    assert anonymous.get("/api/openapi.json").status_code == 200  # the document is public


def test_session_cookie_is_httponly_strict_and_secure_over_https(
        web: Callable[..., TestClient]) -> None:
    plain = web(None)
    cookie = _set_cookie(sign_in(plain, LEADER, PASSWORD), COOKIE)
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    tls = web(None, base_url="https://testserver")
    assert "secure" in _set_cookie(sign_in(tls, LEADER, PASSWORD), COOKIE)


def _set_cookie(answer: object, name: str) -> str:
    headers = answer.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert found, headers
    return found[0].lower()


def test_wrong_password_and_sign_out(web: Callable[..., TestClient]) -> None:
    client = web(None)
    wrong = sign_in(client, LEADER, "khong-dung-mat-khau")
    assert wrong.status_code == 401 and "Sai địa chỉ thư hoặc mật khẩu" in wrong.text
    client = web(LEADER)
    assert client.get("/").status_code == 200
    out = client.post("/dang-xuat", data=dict(csrf=form_token(client.get("/").text)))
    assert out.status_code == 303
    client.cookies.clear()  # what the browser does with the deleted cookie
    assert client.get("/").status_code == 303


def test_sign_in_is_throttled_after_five_failures(web: Callable[..., TestClient]) -> None:
    client = web(None)
    for _ in range(5):
        assert sign_in(client, LEADER, "doan-sai-mat-khau").status_code == 401
    refused = sign_in(client, LEADER, PASSWORD)  # even the right password, for now
    assert refused.status_code == 429 and "quá nhiều lần" in refused.text
    assert client.post("/api/session", json=dict(email=LEADER, password=PASSWORD)
                       ).status_code == 429


def test_a_form_without_its_csrf_token_is_refused(web: Callable[..., TestClient], hub: Hub,
                                                  seeded: Seeded) -> None:
    client = web(LEADER)
    without = client.post(f"/cach-ly/{seeded.held}/luu", data=dict(topic="tuyen-sinh"))
    wrong = client.post(f"/cach-ly/{seeded.held}/luu",
                        data=dict(topic="tuyen-sinh", csrf="doan-bua"))
    api = client.post(f"/api/quarantine/{seeded.held}/release", json=dict(topic="tuyen-sinh"))
    assert without.status_code == wrong.status_code == api.status_code == 403
    assert "CSRF" in without.text
    assert audit.find(hub, str(seeded.held))["state"] == "quarantined"
    anonymous = web(None)  # the sign-in form has its own token
    assert anonymous.post("/dang-nhap", data=dict(email=LEADER, password=PASSWORD)
                          ).status_code == 403


# roles ----------------------------------------------------------------------------------


def test_a_team_sees_its_own_mail_and_not_another_teams(web: Callable[..., TestClient],
                                                         seeded: Seeded) -> None:
    team = web(TEAM_TH)
    assert team.get(f"/thu/{seeded.late_report}").status_code == 200
    refused = team.get(f"/thu/{seeded.thcs_report}")
    assert refused.status_code == 403 and "Không có quyền" in refused.text
    assert team.get(f"/api/messages/{seeded.thcs_report}").status_code == 403
    assert team.get(f"/thu/{seeded.thcs_report}/tep/0").status_code == 403
    found = team.get("/api/search", params=dict(q="bao cao thang")).json()["hits"]
    assert {h["id"] for h in found} == {seeded.late_report, seeded.on_time_report,
                                         seeded.scripted}
    everything = web(LEADER).get("/api/search", params=dict(q="bao cao thang")).json()["hits"]
    assert seeded.thcs_report in {h["id"] for h in everything}
    grid = team.get("/api/compliance", params=dict(month="2026-10")).json()
    assert grid["levels"] == ["TH"] and {r["level"] for r in grid["rows"]} == {"TH"}


def test_the_team_sees_quarantined_mail_addressed_to_it(web: Callable[..., TestClient],
                                                        hub: Hub, seeded: Seeded) -> None:
    from mailhub.pipeline import Envelope, ingest

    from .factory import mail
    other = ingest(hub, mail("truong-la@hanoiedu.vn", to=THCS_TEAM),
                   Envelope(rcpt_to=(THCS_TEAM,))).id
    assert [m["id"] for m in web(TEAM_TH).get("/api/quarantine").json()] == [seeded.held]
    assert web(TEAM_TH).get(f"/thu/{other}").status_code == 403
    everything = web(LEADER).get("/api/quarantine").json()
    assert [m["id"] for m in everything] == [seeded.held, other]


def test_an_inspector_reads_everything_and_changes_nothing(web: Callable[..., TestClient],
                                                          hub: Hub, seeded: Seeded) -> None:
    inspector = web(INSPECTOR)
    assert inspector.get(f"/thu/{seeded.thcs_report}").status_code == 200
    page = inspector.get("/cach-ly").text
    assert "Cho lưu" not in page  # no forms to act with
    token = form_token(page)  # the sign-out form's: the session's own token
    refused = inspector.post(f"/cach-ly/{seeded.held}/luu",
                             data=dict(topic="tuyen-sinh", csrf=token))
    assert refused.status_code == 403
    assert audit.find(hub, str(seeded.held))["state"] == "quarantined"


def test_only_admins_manage_accounts(web: Callable[..., TestClient], hub: Hub) -> None:
    assert web(LEADER).get("/tai-khoan").status_code == 403
    admin = web(ADMIN)
    page = admin.get("/tai-khoan")
    assert page.status_code == 200 and TEAM_TH in page.text
    added = admin.post("/tai-khoan", data=dict(
        email="moi@hanoiedu.vn", role="team", team="TO-THCS", password=PASSWORD,
        csrf=form_token(page.text)))
    assert added.status_code == 303
    assert sign_in(web(None), "moi@hanoiedu.vn", PASSWORD).status_code == 303  # type: ignore
    locked = admin.post("/tai-khoan/khoa", data=dict(email="moi@hanoiedu.vn", locked="true",
                                                      csrf=form_token(page.text)))
    assert locked.status_code == 303
    assert sign_in(web(None), "moi@hanoiedu.vn", PASSWORD).status_code == 401  # type: ignore


# views, exports, the access log --------------------------------------------------------


def test_every_view_and_export_is_in_the_access_log(web: Callable[..., TestClient], hub: Hub,
                                                    seeded: Seeded) -> None:
    client = web(TEAM_TH)
    client.get(f"/thu/{seeded.late_report}")
    client.get("/tim-kiem", params=dict(q="bao cao thang"))
    exported = client.get("/tim-kiem/xuat", params=dict(q="bao cao thang", format="csv"))
    assert exported.status_code == 200
    logged = [(r["user"], r["action"], r["detail"]) for r in access_log(hub)]
    assert (TEAM_TH, "export", "web GET /tim-kiem/xuat?q=bao+cao+thang&format=csv") in logged
    assert (TEAM_TH, "search", "web GET /tim-kiem?q=bao+cao+thang") in logged
    assert (TEAM_TH, "show", f"web GET /thu/{seeded.late_report}") in logged


def test_search_exports_csv_and_xlsx_with_vietnamese_headings(
        web: Callable[..., TestClient], seeded: Seeded) -> None:
    client = web(LEADER)
    answer = client.get("/tim-kiem/xuat", params=dict(q="bao cao thang", format="csv"))
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Vietnamese
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {int(r["Mã thư"]) for r in rows} == {seeded.late_report, seeded.on_time_report,
                                               seeded.thcs_report, seeded.scripted}
    sheet = load_workbook(io.BytesIO(client.get(
        "/tim-kiem/xuat", params=dict(q="bao cao thang", format="xlsx")).content)).active
    assert sheet.cell(1, 1).value == "Mã thư" and sheet.max_row == 5


def test_search_pages_through_the_hits(web: Callable[..., TestClient]) -> None:
    client = web(LEADER)
    first = client.get("/api/search", params=dict(q="bao cao", size=2)).json()
    second = client.get("/api/search", params=dict(q="bao cao", size=2, page=2)).json()
    assert first["more"] and len(first["hits"]) == 2
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_message_html_is_cleaned_and_pages_forbid_scripts(web: Callable[..., TestClient],
                                                          seeded: Seeded) -> None:
    page = web(LEADER).get(f"/thu/{seeded.scripted}")
    assert page.status_code == 200
    assert "Báo cáo vệ sinh an toàn thực phẩm." in page.text
    for bad in ("<script", "__pwned", "onerror", "onclick", "tracker.invalid"):
        assert bad not in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # so: default 'none'
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_attachments_download_as_filed(web: Callable[..., TestClient], hub: Hub) -> None:
    from mailhub.pipeline import Envelope, ingest

    from .factory import mail
    data = b"PK\x03\x04 bang tinh"
    filed = ingest(hub, mail(subject="Báo cáo tháng 11/2026",
                             attachments=(("Báo cáo T11.xlsx", data),)),
                   Envelope(rcpt_to=("totieuhoc.pgdhm@hanoiedu.vn",)))
    answer = web(LEADER).get(f"/thu/{filed.id}/tep/0")
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["content-type"] == "application/octet-stream"
    assert "B%C3%A1o%20c%C3%A1o%20T11.xlsx" in answer.headers["content-disposition"]


def test_compliance_grid_shows_the_late_school(web: Callable[..., TestClient]) -> None:
    page = web(LEADER).get("/nop-bao-cao", params=dict(level="TH")).text
    row = re.search(r'<tr data-unit="TH-DINHCONG">(.*?)</tr>', page, re.S)
    assert row and 'class="s late"' in row.group(1)
    on_time = re.search(r'<tr data-unit="TH-DAIKIM">(.*?)</tr>', page, re.S)
    assert on_time and 'class="s on_time"' in on_time.group(1)
    # On 20/11 November's report is not due yet (before the 25th): missing, but not overdue.
    cells = re.findall(r'<td class="s ([a-z_ ]+)"', on_time.group(1))
    assert cells[-2:] == ["on_time", "missing open"] and cells[0] == "missing"


def test_today_lists_quarantine_and_todays_filings(web: Callable[..., TestClient]) -> None:
    today = web(LEADER).get("/api/today").json()
    assert today["quarantined"] == 1
    assert [t["topic"] for t in today["by_topic"]] == ["ve-sinh-an-toan-thuc-pham"]


def test_openapi_document_names_the_api(web: Callable[..., TestClient]) -> None:
    paths = web(None).get("/api/openapi.json").json()["paths"]
    assert {"/api/search", "/api/messages/{ref}", "/api/quarantine/{ref}/release",
            "/api/compliance", "/api/directives", "/api/session"} <= set(paths)
    assert not any(p.startswith("/thu") for p in paths)  # pages are not the API


# directives and reminders from the console --------------------------------------------


def test_a_directive_sent_from_the_page_goes_to_every_thcs_school(
        web: Callable[..., TestClient], hub: Hub) -> None:
    client = web(LEADER)
    token = form_token(client.get("/cong-van").text)
    sent = client.post("/cong-van", data=dict(csrf=token, subject="Công văn 12/PGD về thi HSG",
                                              body="Kính gửi các trường THCS.", lists="thcs"),
                       files=dict(attached=("ke-hoach.pdf", b"%PDF-1.4 ke hoach", "x/y")))
    assert sent.status_code == 303, sent.text
    directive = int(sent.headers["location"].split("/")[2].split("?")[0])
    from mailhub.directives import status
    found = status(hub, directive)
    thcs = {u.email for u in hub.registry.units if u.kind.value == "THCS"}
    assert {r["email"] for r in found["recipients"]} == thcs
    assert found["sender"] == "pgd-hoangmai@hanoiedu.vn"  # a leader sends as the office
    page = client.get(f"/cong-van/{directive}").text
    assert f"0/{len(thcs)}" in page


def test_a_team_may_send_only_to_its_own_lists(web: Callable[..., TestClient]) -> None:
    client = web(TEAM_TH)
    page = client.get("/cong-van").text
    assert 'value="tieu-hoc"' in page and 'value="thcs"' not in page
    refused = client.post("/cong-van", data=dict(csrf=form_token(page), subject="Thử",
                                                 body="", lists="thcs"))
    assert refused.status_code == 400


def test_remind_missing_schools_once_a_day(web: Callable[..., TestClient], hub: Hub) -> None:
    client = web(TEAM_TH)
    token = form_token(client.get("/nop-bao-cao").text)
    first = client.post("/nop-bao-cao/nhac", data=dict(csrf=token, month="2026-11"))
    th_schools = [u for u in hub.registry.units if u.kind.value == "TH"]
    assert first.status_code == 303 and f"n={len(th_schools)}" in first.headers["location"]
    again = client.post("/api/compliance/remind", json=dict(month="2026-11"),
                        headers={"X-CSRF-Token": token})
    assert again.json() == {"queued": 0}


# quarantine decisions -------------------------------------------------------------------


def test_release_files_under_the_chosen_topic_and_is_recorded(
        web: Callable[..., TestClient], hub: Hub, seeded: Seeded) -> None:
    client = web(TEAM_TH)
    token = form_token(client.get("/cach-ly").text)
    answer = client.post(f"/cach-ly/{seeded.held}/luu",
                         data=dict(csrf=token, topic="tuyen-sinh", note="trường mới"))
    assert answer.status_code == 303
    shown = audit.show(hub, str(seeded.held))
    assert shown["state"] == "filed" and shown["filing"]["topics"][0]["id"] == "tuyen-sinh"
    assert shown["hits"][-1]["rule"] == "review.release"
    assert quarantine.reviews(hub, seeded.held)[0]["staff"] == TEAM_TH
    assert chain.verify(hub) == []  # the new decision is in the chain
    assert client.post(f"/cach-ly/{seeded.held}/luu", data=dict(
        csrf=token, topic="tuyen-sinh")).status_code == 409  # decided once


def test_reject_needs_a_reason_and_records_it(web: Callable[..., TestClient], hub: Hub,
                                             seeded: Seeded) -> None:
    client = web(LEADER)
    token = form_token(client.get("/cach-ly").text)
    headers = {"X-CSRF-Token": token}
    assert client.post(f"/api/quarantine/{seeded.held}/reject", json=dict(reason=""),
                       headers=headers).status_code == 422
    done = client.post(f"/api/quarantine/{seeded.held}/reject",
                       json=dict(reason="Không phải trường trong danh bạ"), headers=headers)
    assert done.json()["state"] == "rejected"
    shown = audit.show(hub, str(seeded.held))
    assert shown["hits"][-1]["reason_vi"].endswith("Không phải trường trong danh bạ")
    with pytest.raises(NotQuarantined):
        quarantine.release(hub, seeded.held, "tuyen-sinh", "cli")


def test_quarantine_from_the_command_line(settings: Settings, config_file: Path,
                                          seeded: Seeded, hub: Hub) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["--config", str(config_file), "quarantine", "list", "--json"])
    assert listed.exit_code == 0 and f'"id": {seeded.held}' in listed.output
    released = runner.invoke(cli, ["--config", str(config_file), "quarantine", "release",
                                   str(seeded.held), "--topic", "tuyen-sinh"])
    assert released.exit_code == 0, released.output
    assert audit.find(hub, str(seeded.held))["state"] == "filed"
    again = runner.invoke(cli, ["--config", str(config_file), "quarantine", "reject",
                                str(seeded.held), "--reason", "x"])
    assert again.exit_code == 1 and "không còn chờ" in again.output


def test_user_add_with_a_team_from_the_command_line(config_file: Path,
                                                    settings: Settings) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["--config", str(config_file), "user", "add", "a@hanoiedu.vn",
                                "--role", "team", "--team", "to-thcs"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    wrong = runner.invoke(cli, ["--config", str(config_file), "user", "add", "b@hanoiedu.vn",
                                "--role", "team", "--team", "TO-KHAC"], input=PASSWORD + "\n")
    assert wrong.exit_code == 1 and "TO-THCS" in wrong.output
    hub = open_hub(settings)
    from mailhub.staff import users
    assert {u.email: u.team for u in users(hub)} == {"a@hanoiedu.vn": "TO-THCS"}
    hub.engine.dispose()


# config -------------------------------------------------------------------------------


def test_the_console_listens_beyond_loopback_only_with_tls() -> None:
    with pytest.raises(ValueError, match="tls_cert"):
        WebSettings(listen="0.0.0.0:8025")
    assert WebSettings(listen="0.0.0.0:8443", tls_cert="c.pem", tls_key="k.pem")
    assert WebSettings(listen="").listen == ""


def test_a_bad_web_setting_names_the_file_and_line(tmp_path: Path) -> None:
    from mailhub.config import load_settings
    path = tmp_path / "mailhub.toml"
    path.write_text('[web]\nlisten = "0.0.0.0:80"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert "mailhub.toml" in str(caught.value)


# `mailhub serve` runs the console ------------------------------------------------------


def test_serve_runs_the_console_and_stops_it_with_the_service(config_file: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from .test_smtp import free_port

    smtp, web_port = free_port(), free_port()
    with config_file.open("a", encoding="utf-8") as handle:
        handle.write(f'[smtp]\nlisten = "127.0.0.1:{smtp}"\n'
                     f'[web]\nlisten = "127.0.0.1:{web_port}"\n')
    process = subprocess.Popen([sys.executable, "-m", "mailhub", "--config", str(config_file),
                                "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{web_port}/dang-nhap", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200
        assert "Đăng nhập" in answer.text
        os.killpg(process.pid, signal.SIGTERM)  # as systemd does: every process of it
        assert process.wait(30) == 0
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{web_port}/dang-nhap", timeout=2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
