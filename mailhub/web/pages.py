"""The console's pages, in Vietnamese: sign-in, Today, Compliance, Directives, Search,
Message, Quarantine, Accounts. Each calls the service functions the CLI calls (through
views.py, which cuts them to the visitor's role), records the view in the access log,
and renders a template. A form posts back and is redirected (303) to a page saying
what was done."""

from __future__ import annotations

import secrets
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mailhub import audit, overview, quarantine, reminders, staff
from mailhub.contents import attachment
from mailhub.directives import Refused, broadcast
from mailhub.errors import MailhubError
from mailhub.exports import SEARCH, write_rows
from mailhub.registry import Kind
from mailhub.search import MAX_LIMIT, Filters
from mailhub.web import charts, signin, views
from mailhub.web.compose import directive_mail
from mailhub.web.guard import Acting, Signed, hub_of, record
from mailhub.web.signin import Visitor

router = APIRouter(include_in_schema=False)
MONTHS_SHOWN = 6
NOTICES = {  # what a redirect after a form says; numbers come from the query
    "sent": "Đã gửi công văn tới {n} nơi nhận.",
    "known": "Công văn này đã được gửi trước đó.",
    "reminded": "Đã xếp {n} thư nhắc vào hộp thư đi.",
    "released": "Đã lưu thư #{n}.",
    "rejected": "Đã từ chối thư #{n}.",
    "user": "Đã lưu tài khoản.",
    "locked": "Đã khoá tài khoản.",
    "unlocked": "Đã mở khoá tài khoản.",
}


def render(request: Request, name: str, visitor: Visitor | None, code: int = 200,
           **values: Any) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("tb", ""), "")
    count = request.query_params.get("n", "")
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, dict(values, visitor=visitor, hub=hub_of(request),
                            notice=notice.format(n=count if count.isdigit() else "")),
        status_code=code)
    return response


def done(url: str, notice: str, n: int | str = "") -> RedirectResponse:
    joiner = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{joiner}tb={notice}&n={n}", status_code=303)


# sign-in ------------------------------------------------------------------------------

@router.get("/dang-nhap")
def signin_page(request: Request, next: str = "/") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", None, csrf=token, next=_local_path(next))
    _cookie(request, response, signin.SIGNIN_COOKIE, token, max_age=3600)
    return response


@router.post("/dang-nhap")
def signin_form(request: Request, email: Annotated[str, Form()],
                password: Annotated[str, Form()], csrf: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/") -> Response:
    hub, throttle = hub_of(request), request.app.state.throttle
    if not signin.same_token(csrf, request.cookies.get(signin.SIGNIN_COOKIE, "")):
        raise HTTPException(403, "Thiếu hoặc sai mã chống giả mạo (CSRF)")
    keys = (f"ip:{request.client.host if request.client else '?'}", f"email:{email.lower()}")
    if throttle.blocked(*keys):
        return render(request, "signin.html", None, 429, csrf=csrf, next=_local_path(next),
                      error="Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.")
    account = staff.check_login(hub, email, password)
    if account is None or account.id is None:
        throttle.failed(*keys)
        return render(request, "signin.html", None, 401, csrf=csrf, next=_local_path(next),
                      error="Sai địa chỉ thư hoặc mật khẩu.")
    if account.role == staff.Role.TEAM and account.team not in hub.registry.by_code:
        return render(request, "signin.html", None, 403, csrf=csrf, next=_local_path(next),
                      error="Tài khoản tổ chưa gắn với tổ nào: quản trị viên chạy "
                            "`mailhub user add EMAIL --role team --team MÃ-TỔ`.")
    token, _ = signin.start(hub, account.id)
    response = RedirectResponse(_local_path(next), status_code=303)
    _cookie(request, response, signin.COOKIE, token,
            max_age=hub.settings.web.session_hours * 3600)
    response.delete_cookie(signin.SIGNIN_COOKIE, path="/")
    return response


@router.post("/dang-xuat")
async def signout(request: Request) -> Response:
    token = request.cookies.get(signin.COOKIE)
    visitor = signin.visitor(hub_of(request), token)
    form = await request.form()
    if visitor is not None and token and signin.same_token(str(form.get("csrf") or ""),
                                                           visitor.csrf):
        signin.end(hub_of(request), token)
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(signin.COOKIE, path="/")
    return response


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")


def _local_path(target: str) -> str:
    """Only a path of this site: a sign-in never sends the browser elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# Today --------------------------------------------------------------------------------

@router.get("/")
def today_page(request: Request, visitor: Signed) -> HTMLResponse:
    hub = hub_of(request)
    record(request, visitor, "today")
    months = overview.months_back(hub, MONTHS_SHOWN)
    by_month = overview.filings_by_month(hub, months, visitor.team)
    return render(request, "today.html", visitor, today=views.today(hub, visitor),
                  chart=charts.stacked_bars(months, by_month["series"],
                                            "Số báo cáo đã lưu theo tháng và chủ đề"))


# Compliance ---------------------------------------------------------------------------

@router.get("/nop-bao-cao")
def compliance_page(request: Request, visitor: Signed, level: str = "",
                    ward: str = "") -> HTMLResponse:
    hub = hub_of(request)
    record(request, visitor, "compliance")
    kind = _level(level)
    months = overview.months_back(hub, MONTHS_SHOWN)
    grid = views.grid(hub, visitor, months, kind, ward or None)
    rates = overview.compliance_by_month(hub, months, kind, ward or None)
    if visitor.team is not None and kind is None:  # a team's chart: its own levels
        allowed = views.levels_for(visitor)
        rates = _summed([overview.compliance_by_month(hub, months, k, ward or None)
                         for k in allowed])
    return render(request, "compliance.html", visitor, grid=grid, level=level, ward=ward,
                  chart=charts.rate_bars(rates, "Tỉ lệ trường nộp báo cáo tháng đúng hạn"),
                  month=months[-1], missing=sum(
                      r["cells"].get(months[-1], {}).get("state") == "missing"
                      for r in grid["rows"]))


@router.post("/nop-bao-cao/nhac")
def remind_page(request: Request, visitor: Acting, month: Annotated[str, Form()],
                level: Annotated[str, Form()] = "", ward: Annotated[str, Form()] = ""
                ) -> Response:
    hub = hub_of(request)
    kind = _level(level)
    grid = views.grid(hub, visitor, [month], kind, ward or None)
    codes = {r["code"] for r in grid["rows"]
             if r["cells"].get(month, {}).get("state") == "missing"}
    queued = reminders.remind_missing(hub, month, codes=codes)
    record(request, visitor, "remind")
    return done(f"/nop-bao-cao?level={quote(level)}&ward={quote(ward)}", "reminded", queued)


def _level(level: str) -> Kind | None:
    try:
        return Kind(level.upper()) if level else None
    except ValueError:
        raise HTTPException(400, f"Cấp học không hợp lệ: {level!r}") from None


def _summed(per_level: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    summed = [dict(r) for r in per_level[0]]
    for rates in per_level[1:]:
        for total, rate in zip(summed, rates, strict=True):
            for key in ("schools", "on_time", "late", "missing"):
                total[key] += rate[key]
    return summed


# Directives ---------------------------------------------------------------------------

@router.get("/cong-van")
def directives_page(request: Request, visitor: Signed) -> HTMLResponse:
    hub = hub_of(request)
    record(request, visitor, "directives")
    return render(request, "directives.html", visitor,
                  directives=views.directive_list(hub, visitor),
                  lists=views.lists_for(hub, visitor), sender=views.sender_of(hub, visitor))


@router.post("/cong-van")
async def send_directive(request: Request, visitor: Acting, subject: Annotated[str, Form()],
                         body: Annotated[str, Form()],
                         lists: Annotated[list[str], Form()],
                         ack_by: Annotated[str, Form()] = "",
                         attached: Annotated[UploadFile | None, File()] = None) -> Response:
    hub = hub_of(request)
    allowed = {m.name: m for m in views.lists_for(hub, visitor)}
    chosen = [allowed[name] for name in dict.fromkeys(lists) if name in allowed]
    if not chosen or not subject.strip():
        raise HTTPException(400, "Cần trích yếu và ít nhất một danh sách nhận")
    file = None
    if attached is not None and attached.filename:
        file = (Path(attached.filename).name, await attached.read())
    sender = views.sender_of(hub, visitor)
    raw = directive_mail(hub, sender, chosen, subject.strip(), body, file)
    deadline = None
    if ack_by:
        deadline = datetime.combine(date.fromisoformat(ack_by), time(23, 59),
                                    hub.settings.zone)
    try:
        sent = broadcast(hub, raw, [m.name for m in chosen], sender=sender, door="web",
                         staff=visitor.email, source=f"web {visitor.email}", ack_by=deadline)
    except Refused as exc:
        raise HTTPException(403, str(exc)) from None
    record(request, visitor, "broadcast")
    request.app.state.queued()  # wake the delivery worker
    return done(f"/cong-van/{sent.id}", "known" if sent.known else "sent", sent.recipients)


@router.get("/cong-van/{ref}")
def directive_page(request: Request, visitor: Signed, ref: int) -> HTMLResponse:
    hub = hub_of(request)
    try:
        found = views.directive(hub, visitor, ref)
    except KeyError:
        raise HTTPException(404, "Không có công văn này") from None
    record(request, visitor, "directive")
    return render(request, "directive.html", visitor, directive=found)


# Search -------------------------------------------------------------------------------

SearchArgs = dict[str, str]


def _filters(args: SearchArgs) -> Filters:
    def day(value: str) -> date | None:
        return date.fromisoformat(value) if value else None

    try:
        return Filters(school=args.get("school") or None, level=args.get("level") or None,
                       topic=args.get("topic") or None, sender=args.get("sender") or None,
                       verdict=args.get("verdict") or None, since=day(args.get("since", "")),
                       until=day(args.get("until", "")), period=args.get("period") or None)
    except ValueError:
        raise HTTPException(400, "Ngày không hợp lệ (YYYY-MM-DD)") from None


FILTER_NAMES = ("school", "level", "topic", "sender", "verdict", "since", "until", "period")


@router.get("/tim-kiem")
def search_page(request: Request, visitor: Signed, q: str = "",
                page: Annotated[int, Query(ge=1, le=500)] = 1) -> HTMLResponse:
    hub = hub_of(request)
    args = {k: request.query_params.get(k, "") for k in FILTER_NAMES}
    hits: list[dict[str, Any]] = []
    more, error = False, ""
    if q.strip():
        record(request, visitor, "search")
        try:
            hits, more = views.found_messages(hub, visitor, q, _filters(args), page)
        except MailhubError as exc:
            error = str(exc)
    query = "&".join(f"{k}={quote(v)}" for k, v in [("q", q), *args.items()] if v)
    return render(request, "search.html", visitor, q=q, args=args, hits=hits, page=page,
                  more=more, error=error, query=query,
                  topics=hub.rules.topics)


@router.get("/tim-kiem/xuat")
def search_export(request: Request, visitor: Signed, q: str,
                  format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx") -> Response:
    hub = hub_of(request)
    args = {k: request.query_params.get(k, "") for k in FILTER_NAMES}
    try:
        rows = views.all_found(hub, visitor, q, _filters(args), MAX_LIMIT)
    except MailhubError as exc:
        raise HTTPException(400, str(exc)) from None
    record(request, visitor, "export")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"tim-kiem.{format}"
        write_rows(path, rows, SEARCH, hub.settings.zone)
        data = path.read_bytes()
    kind = ("text/csv; charset=utf-8" if format == "csv" else
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = hub.clock().astimezone(hub.settings.zone).strftime("%Y%m%d-%H%M")
    return Response(data, media_type=kind, headers={
        "Content-Disposition": f'attachment; filename="tim-kiem-{stamp}.{format}"'})


# Message ------------------------------------------------------------------------------

@router.get("/thu/{ref}")
def message_page(request: Request, visitor: Signed, ref: int) -> HTMLResponse:
    hub = hub_of(request)
    try:
        found = views.message(hub, visitor, ref)
    except KeyError:
        raise HTTPException(404, "Không có thư này") from None
    record(request, visitor, "show")
    return render(request, "message.html", visitor, message=found, topics=hub.rules.topics)


@router.get("/thu/{ref}/tep/{position}")
def attachment_download(request: Request, visitor: Signed, ref: int,
                        position: int) -> Response:
    hub = hub_of(request)
    try:
        found = views.message(hub, visitor, ref)
        stored = found["attachments"][position]
    except (KeyError, IndexError):
        raise HTTPException(404, "Không có tệp này") from None
    part = attachment(audit.raw(hub, str(ref)), stored["sha256"])
    if part is None:
        raise HTTPException(404, "Không đọc được tệp trong thư gốc")
    record(request, visitor, "attachment")
    # Always a download, never shown inline: an HTML or SVG file could run in our origin.
    return Response(part.data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored['name'])}",
        "X-Content-Type-Options": "nosniff"})


# Quarantine ---------------------------------------------------------------------------

@router.get("/cach-ly")
def quarantine_page(request: Request, visitor: Signed) -> HTMLResponse:
    hub = hub_of(request)
    record(request, visitor, "quarantine")
    return render(request, "quarantine.html", visitor, waiting=views.held(hub, visitor),
                  topics=hub.rules.topics)


@router.post("/cach-ly/{ref}/luu")
def release_page(request: Request, visitor: Acting, ref: int, topic: Annotated[str, Form()],
                 note: Annotated[str, Form()] = "") -> Response:
    hub = hub_of(request)
    views.may_decide(hub, visitor, ref)
    try:
        quarantine.release(hub, ref, topic, visitor.email, note)
    except KeyError:
        raise HTTPException(404, "Không có thư này") from None
    except MailhubError as exc:
        raise HTTPException(409, str(exc)) from None
    record(request, visitor, "release")
    return done("/cach-ly", "released", ref)


@router.post("/cach-ly/{ref}/tu-choi")
def reject_page(request: Request, visitor: Acting, ref: int,
                reason: Annotated[str, Form()]) -> Response:
    hub = hub_of(request)
    views.may_decide(hub, visitor, ref)
    try:
        quarantine.reject(hub, ref, reason, visitor.email)
    except KeyError:
        raise HTTPException(404, "Không có thư này") from None
    except MailhubError as exc:
        raise HTTPException(409, str(exc)) from None
    record(request, visitor, "reject")
    return done("/cach-ly", "rejected", ref)


# Accounts (admins) --------------------------------------------------------------------

@router.get("/tai-khoan")
def users_page(request: Request, visitor: Signed) -> HTMLResponse:
    if not visitor.admin:
        raise HTTPException(403, "Chỉ quản trị viên")
    hub = hub_of(request)
    record(request, visitor, "users")
    return render(request, "users.html", visitor, users=staff.users(hub),
                  teams=hub.registry.teams(), roles=list(staff.Role))


@router.post("/tai-khoan")
def user_add_page(request: Request, visitor: Acting, email: Annotated[str, Form()],
                  role: Annotated[str, Form()], password: Annotated[str, Form()],
                  team: Annotated[str, Form()] = "") -> Response:
    if not visitor.admin:
        raise HTTPException(403, "Chỉ quản trị viên")
    try:
        staff.add_user(hub_of(request), email, staff.Role(role), password, team)
    except (ValueError, MailhubError) as exc:
        raise HTTPException(400, str(exc)) from None
    record(request, visitor, "user-add")
    return done("/tai-khoan", "user")


@router.post("/tai-khoan/khoa")
def user_lock_page(request: Request, visitor: Acting, email: Annotated[str, Form()],
                   locked: Annotated[bool, Form()]) -> Response:
    if not visitor.admin:
        raise HTTPException(403, "Chỉ quản trị viên")
    try:
        staff.set_disabled(hub_of(request), email, locked)
    except MailhubError as exc:
        raise HTTPException(400, str(exc)) from None
    record(request, visitor, "user-lock")
    return done("/tai-khoan", "locked" if locked else "unlocked")
