"""The checks every request passes: who is signed in, whether their role may do this,
the CSRF token of anything that changes something, and the access log entry of every
view and export (access.py, the same log as the CLI's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from mailhub.access import record_access
from mailhub.hub import Hub
from mailhub.web import signin
from mailhub.web.signin import Visitor


class SignInNeeded(Exception):
    """No live session: a page sends the browser to sign in, the API answers 401."""


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def signed_in(request: Request) -> Visitor:
    found = signin.visitor(hub_of(request), request.cookies.get(signin.COOKIE))
    if found is None:
        raise SignInNeeded()
    return found


Signed = Annotated[Visitor, Depends(signed_in)]


async def acting(request: Request) -> Visitor:
    """A change (POST): signed in, a role that may act, and the session's CSRF token in
    the form's `csrf` field or the X-CSRF-Token header."""
    visitor = signed_in(request)
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = str((await request.form()).get("csrf") or "")
    if not signin.same_token(given, visitor.csrf):
        raise HTTPException(403, "Thiếu hoặc sai mã chống giả mạo (CSRF) / missing or wrong "
                                 "CSRF token")
    if not visitor.acts:
        raise HTTPException(403, "Tài khoản thanh tra chỉ được xem / inspectors only read")
    return visitor


Acting = Annotated[Visitor, Depends(acting)]


def admin(visitor: Acting) -> Visitor:
    if not visitor.admin:
        raise HTTPException(403, "Chỉ quản trị viên / administrators only")
    return visitor


def record(request: Request, visitor: Visitor, action: str) -> None:
    """An access log entry: who, and the request as asked (path and query)."""
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    record_access(hub_of(request), action, f"web {request.method} {asked}", user=visitor.email)


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise HTTPException(403, "Không có quyền xem mục này / not yours to see")
