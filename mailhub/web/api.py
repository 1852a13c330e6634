"""The console's JSON API, beside the pages and with the same checks: the same session
cookie (POST /api/session signs in and returns the CSRF token that every POST must send
as X-CSRF-Token), the same roles, the same access log. Its OpenAPI document is
/api/openapi.json."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from mailhub import overview, quarantine, reminders, staff
from mailhub.errors import MailhubError
from mailhub.search import Filters
from mailhub.web import signin, views
from mailhub.web.guard import Acting, Signed, hub_of, record
from mailhub.web.pages import _cookie, _level

router = APIRouter()


class SignIn(BaseModel):
    email: str
    password: str


class Session(BaseModel):
    email: str
    role: str
    team: str | None
    csrf: str = Field(description="Gửi lại trong tiêu đề X-CSRF-Token / send back as the "
                                  "X-CSRF-Token header of every POST")


class Release(BaseModel):
    topic: str
    note: str = ""


class Reject(BaseModel):
    reason: str = Field(min_length=1)


class Remind(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    level: str = ""


@router.post("/session", response_model=Session, tags=["phiên / session"])
def sign_in(request: Request, body: SignIn, response: Response) -> Session:
    """Đăng nhập / sign in: sets the session cookie."""
    hub, throttle = hub_of(request), request.app.state.throttle
    keys = (f"ip:{request.client.host if request.client else '?'}", f"email:{body.email.lower()}")
    if throttle.blocked(*keys):
        raise HTTPException(429, "Đăng nhập sai quá nhiều lần / too many failed sign-ins")
    account = staff.check_login(hub, body.email, body.password)
    if account is None or account.id is None:
        throttle.failed(*keys)
        raise HTTPException(401, "Sai địa chỉ hoặc mật khẩu / wrong address or password")
    token, csrf = signin.start(hub, account.id)
    visitor = signin.visitor(hub, token)
    if visitor is None:  # a team account without a team
        signin.end(hub, token)
        raise HTTPException(403, "Tài khoản tổ chưa gắn với tổ / team account has no team")
    _cookie(request, response, signin.COOKIE, token, hub.settings.web.session_hours * 3600)
    return Session(email=visitor.email, role=visitor.role.value,
                   team=visitor.team.code if visitor.team else None, csrf=csrf)


@router.get("/today", tags=["xem / read"])
def today(request: Request, visitor: Signed) -> dict[str, Any]:
    """Hôm nay / today: filings by topic, urgent reports, quarantine, delivery problems."""
    record(request, visitor, "today")
    found = views.today(hub_of(request), visitor)
    found["by_topic"] = [t.__dict__ for t in found["by_topic"]]
    return found


@router.get("/compliance", tags=["xem / read"])
def compliance(request: Request, visitor: Signed,
               month: str = Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), level: str = "",
               ward: str = "") -> dict[str, Any]:
    """Tình hình nộp báo cáo tháng / each school on_time, late or missing for a month."""
    record(request, visitor, "compliance")
    return views.grid(hub_of(request), visitor, [month], _level(level), ward or None)


@router.post("/compliance/remind", tags=["thao tác / act"])
def remind(request: Request, visitor: Acting, body: Remind) -> dict[str, int]:
    """Nhắc các trường chưa nộp / remind the schools still missing the month's report."""
    hub = hub_of(request)
    grid = views.grid(hub, visitor, [body.month], _level(body.level), None)
    codes = {r["code"] for r in grid["rows"]
             if r["cells"].get(body.month, {}).get("state") == "missing"}
    record(request, visitor, "remind")
    return dict(queued=reminders.remind_missing(hub, body.month, codes=codes))


@router.get("/directives", tags=["xem / read"])
def directive_list(request: Request, visitor: Signed) -> list[dict[str, Any]]:
    """Công văn / directives, newest first, with reach and acknowledgements."""
    record(request, visitor, "directives")
    return views.directive_list(hub_of(request), visitor)


@router.get("/directives/{ref}", tags=["xem / read"])
def directive(request: Request, visitor: Signed, ref: int) -> dict[str, Any]:
    """Một công văn / one directive: every recipient's state."""
    try:
        found = views.directive(hub_of(request), visitor, ref)
    except KeyError:
        raise HTTPException(404, "no such directive") from None
    record(request, visitor, "directive")
    return found


@router.get("/search", tags=["xem / read"])
def search(request: Request, visitor: Signed, q: str, school: str | None = None,
           level: str | None = None, topic: str | None = None, sender: str | None = None,
           verdict: str | None = None, since: date | None = None, until: date | None = None,
           period: str | None = None, page: int = Query(1, ge=1, le=500),
           size: int = Query(views.PAGE, ge=1, le=100)) -> dict[str, Any]:
    """Tìm thư / full-text search, newest first, a page at a time."""
    record(request, visitor, "search")
    try:
        hits, more = views.found_messages(hub_of(request), visitor, q, Filters(
            school=school, level=level, topic=topic, sender=sender, verdict=verdict,
            since=since, until=until, period=period), page, size)
    except MailhubError as exc:
        raise HTTPException(400, str(exc)) from None
    return dict(page=page, more=more, hits=hits)


@router.get("/messages/{ref}", tags=["xem / read"])
def message(request: Request, visitor: Signed, ref: int) -> dict[str, Any]:
    """Một thư / one message: headers, verdict and rule hits, filing, attachments, text."""
    try:
        found = views.message(hub_of(request), visitor, ref)
    except KeyError:
        raise HTTPException(404, "no such message") from None
    record(request, visitor, "show")
    return found


@router.get("/quarantine", tags=["xem / read"])
def held(request: Request, visitor: Signed) -> list[dict[str, Any]]:
    """Thư chờ xem xét / quarantined messages, oldest first."""
    record(request, visitor, "quarantine")
    return views.held(hub_of(request), visitor)


@router.post("/quarantine/{ref}/release", tags=["thao tác / act"])
def release(request: Request, visitor: Acting, ref: int, body: Release) -> dict[str, Any]:
    """Cho lưu / file a quarantined message under a topic."""
    hub = hub_of(request)
    views.may_decide(hub, visitor, ref)
    try:
        decided = quarantine.release(hub, ref, body.topic, visitor.email, body.note)
    except KeyError:
        raise HTTPException(404, "no such message") from None
    except MailhubError as exc:
        raise HTTPException(409, str(exc)) from None
    record(request, visitor, "release")
    return decided.__dict__


@router.post("/quarantine/{ref}/reject", tags=["thao tác / act"])
def reject(request: Request, visitor: Acting, ref: int, body: Reject) -> dict[str, Any]:
    """Từ chối / reject a quarantined message, with the reason."""
    hub = hub_of(request)
    views.may_decide(hub, visitor, ref)
    try:
        decided = quarantine.reject(hub, ref, body.reason, visitor.email)
    except KeyError:
        raise HTTPException(404, "no such message") from None
    except MailhubError as exc:
        raise HTTPException(409, str(exc)) from None
    record(request, visitor, "reject")
    return decided.__dict__


@router.get("/charts/filings", tags=["xem / read"])
def filings_by_month(request: Request, visitor: Signed,
                     months: int = Query(6, ge=1, le=36)) -> dict[str, Any]:
    """Số báo cáo theo tháng và chủ đề / filings per month and main topic."""
    hub = hub_of(request)
    record(request, visitor, "chart")
    return overview.filings_by_month(hub, overview.months_back(hub, months), visitor.team)
