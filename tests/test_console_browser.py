"""The office console in a real browser: headless Chromium (Debian's package, never a
browser Playwright downloads) driven by Playwright, against the console served by
uvicorn on 127.0.0.1 as `mailhub web` serves it.

A screenshot of each page is saved under tests/artifacts/console/ (git-ignored; the path
is printed) so that a person can look at what the office will see. Without Chromium the
tests fail, as the IMAP tests do without Dovecot: a skipped browser suite would hide that
nothing was tested. tests/install-servers installs it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailhub import audit
from mailhub.config import RelaySettings, Settings, WebSettings
from mailhub.directives import Copies
from mailhub.hub import Hub, open_hub
from mailhub.outbox import Delivery
from mailhub.web.server import server

from .console import LATE_SCHOOL, LEADER, PASSWORD, TEAM_TH, Seeded, seed
from .relay import Recorder, relay_fixture  # noqa: F401
from .test_smtp import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts" / "console"
PHONE = dict(width=390, height=844)

try:
    from playwright.sync_api import Browser, Dialog, Page, sync_playwright
except ImportError:  # pragma: no cover - the [test] extras install it
    sync_playwright = None  # type: ignore[assignment]


def _missing(why: str) -> None:
    # A failure, never a skip (as for Dovecot): a skipped browser suite would hide itself.
    pytest.fail(f"{why}: the browser tests cannot run (tests/install-servers installs "
                "Debian's chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        _missing("playwright is not installed")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                           args=["--no-sandbox"])  # root in CI containers
        yield found
        found.close()


@pytest.fixture
def office_hub(settings: Settings, clock: object,
               relay: tuple[Recorder, int]) -> Iterator[tuple[Hub, str]]:
    """A hub whose relay is the recording one, seeded, served on a free port."""
    port = free_port()
    configured = settings.model_copy(update={
        "relay": RelaySettings(host="127.0.0.1", port=relay[1], timeout=5),
        "web": WebSettings(listen=f"127.0.0.1:{port}")})
    hub = open_hub(configured, clock)  # type: ignore[arg-type]
    running = server(hub)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "console did not start"
        time.sleep(0.02)
    yield hub, f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
    hub.engine.dispose()


@pytest.fixture
def seeded(office_hub: tuple[Hub, str]) -> Seeded:
    return seed(office_hub[0])


@pytest.fixture
def page(browser: Browser, office_hub: tuple[Hub, str]) -> Iterator[Page]:
    context = browser.new_context(base_url=office_hub[1], locale="vi-VN")
    found = context.new_page()
    found.set_default_timeout(15_000)
    yield found
    context.close()


def sign_in(page: Page, email: str = LEADER) -> None:
    page.goto("/")
    assert "/dang-nhap" in page.url  # sent to sign in first
    page.get_by_label("Địa chỉ thư công vụ").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def deliver_once(hub: Hub) -> None:
    """`mailhub outbox run --once`, in a thread: Playwright's loop holds this one."""
    worker = threading.Thread(target=lambda: asyncio.run(
        Delivery(hub, Copies(hub)).run(once=True)))
    worker.start()
    worker.join(60)
    assert not worker.is_alive()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_sign_in_and_today_on_a_phone(browser: Browser, office_hub: tuple[Hub, str],
                                      seeded: Seeded) -> None:
    context = browser.new_context(base_url=office_hub[1], viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.goto("/dang-nhap")
    shot(page, "dang-nhap")
    sign_in(page)
    assert page.get_by_role("heading", name="Hôm nay, 20/11/2026").is_visible()
    assert page.get_by_text("1 thư chờ xem xét").is_visible()
    # Nothing wider than the phone: wide tables scroll inside themselves.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "hom-nay-dien-thoai")
    context.close()


def test_a_late_school_in_the_compliance_grid(page: Page, seeded: Seeded) -> None:
    sign_in(page)
    page.get_by_role("link", name="Nộp báo cáo").click()
    page.get_by_label("Cấp học").select_option("TH")
    page.get_by_role("button", name="Lọc").click()
    row = page.locator(f'tr[data-unit="{LATE_SCHOOL}"]')
    october = row.locator("td.s").nth(4)  # June … November: the fifth month is October
    assert october.inner_text() == "Muộn"
    colour = october.evaluate("cell => getComputedStyle(cell).backgroundColor")
    assert colour == "rgb(254, 235, 200)"  # the late colour of style.css
    assert page.locator("figure.chart svg rect").count() == 6  # on-time rate per month
    shot(page, "nop-bao-cao")


def test_send_a_directive_to_thcs_and_the_relay_gets_a_copy_per_school(
        page: Page, office_hub: tuple[Hub, str], seeded: Seeded,
        relay: tuple[Recorder, int], tmp_path: Path) -> None:
    hub = office_hub[0]
    attachment = tmp_path / "Kế hoạch thi HSG.pdf"
    attachment.write_bytes(b"%PDF-1.4 ke hoach thi hoc sinh gioi")
    sign_in(page)
    page.goto("/cong-van")
    page.get_by_label("Các trường THCS", exact=False).check()
    page.get_by_label("Trích yếu").fill("Công văn 15/PGD-THCS về thi học sinh giỏi")
    page.get_by_label("Nội dung").fill("Kính gửi các trường THCS, Phòng gửi kế hoạch.")
    page.get_by_label("Tệp đính kèm").set_input_files(str(attachment))
    page.get_by_role("button", name="Gửi công văn").click()
    thcs = sorted(u.email for u in hub.registry.units if u.kind.value == "THCS")
    assert page.get_by_text(f"Đã gửi công văn tới {len(thcs)} nơi nhận.").is_visible()
    deliver_once(hub)
    recorder = relay[0]
    assert sorted(r for d in recorder.delivered for r in d.rcpt_tos) == thcs
    assert all(b"ke hoach thi hoc sinh gioi" in d.data or b"JVBERi0xLjQg" in d.data
               for d in recorder.delivered)
    page.reload()
    assert page.get_by_text(f"{len(thcs)}/{len(thcs)}").first.is_visible()
    shot(page, "cong-van")


def test_release_a_quarantined_message(page: Page, office_hub: tuple[Hub, str],
                                       seeded: Seeded) -> None:
    sign_in(page)
    page.get_by_role("link", name="Chờ xem xét", exact=True).click()
    held = page.locator(f"#thu-{seeded.held}")
    assert "truong-moi@hanoiedu.vn" in held.inner_text()
    assert held.locator("code").count() >= 1  # the rule that held it, with its reason
    shot(page, "cho-xem-xet")
    held.get_by_label("Lưu với chủ đề").select_option("tuyen-sinh")
    held.get_by_role("button", name="Cho lưu").click()
    assert page.get_by_text(f"Đã lưu thư #{seeded.held}.").is_visible()
    assert page.get_by_text("Không có thư nào chờ xem xét.").is_visible()
    shown = audit.show(office_hub[0], str(seeded.held))
    assert shown["state"] == "filed" and shown["filing"]["topics"][0]["id"] == "tuyen-sinh"


def test_search_without_diacritics_finds_the_report(page: Page, seeded: Seeded) -> None:
    sign_in(page)
    page.get_by_role("link", name="Tìm kiếm").click()
    page.get_by_label("Từ cần tìm").fill("bao cao thang 10")
    page.get_by_role("button", name="Tìm").click()
    hits = page.locator("ol.hits > li > a")
    hits.first.wait_for()
    assert "Báo cáo tháng 10/2026" in hits.all_inner_texts()
    shot(page, "tim-kiem")
    page.get_by_role("link", name="Báo cáo tháng 10/2026").first.click()
    assert page.get_by_role("heading", name="Vì sao (các quy tắc đã áp dụng)").is_visible()
    shot(page, "thu")


def test_a_team_user_cannot_open_another_teams_message(page: Page, seeded: Seeded) -> None:
    sign_in(page, TEAM_TH)
    answer = page.goto(f"/thu/{seeded.thcs_report}")
    assert answer is not None and answer.status == 403
    assert page.get_by_role("heading", name="Không có quyền (403)").is_visible()
    shot(page, "khong-co-quyen")
    own = page.goto(f"/thu/{seeded.late_report}")
    assert own is not None and own.status == 200


def test_a_form_without_its_csrf_token_is_refused(page: Page, office_hub: tuple[Hub, str],
                                                  seeded: Seeded) -> None:
    sign_in(page)
    page.goto("/cach-ly")
    held = page.locator(f"#thu-{seeded.held}")
    held.locator('form[action$="/tu-choi"] input[name="csrf"]').evaluate("i => i.remove()")
    held.get_by_label("Lý do từ chối").fill("thử")
    held.get_by_role("button", name="Từ chối").click()
    assert page.get_by_text("CSRF").is_visible()
    assert audit.find(office_hub[0], str(seeded.held))["state"] == "quarantined"


def test_a_script_in_a_mail_runs_nothing(page: Page, office_hub: tuple[Hub, str],
                                         seeded: Seeded) -> None:
    dialogs: list[str] = []
    requests: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page)
    page.goto(f"/thu/{seeded.scripted}")
    body = page.locator(".mail-html")
    assert "Báo cáo vệ sinh an toàn thực phẩm." in body.inner_text()
    body.get_by_text("Báo cáo vệ sinh an toàn thực phẩm.").click()  # the onclick= is gone
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert all(url.startswith(office_hub[1]) for url in requests), requests  # no tracker
    shot(page, "thu-html")
