"""The console's ASGI application: pages, the JSON API under /api, static files, and what
every answer carries (security headers; sign-in and error handling)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from mailhub.hub import Hub
from mailhub.web import api, pages, signin
from mailhub.web.guard import SignInNeeded
from mailhub.web.render import HERE, templates

# No script runs on any page and nothing is loaded from elsewhere: mail HTML that slipped
# past the cleaner could still do nothing. Inline SVG charts need no source at all.
POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
          "frame-ancestors 'none'; base-uri 'none'")


def create_app(hub: Hub, queued: Callable[[], None] = lambda: None) -> FastAPI:
    """The console for `hub`; `queued` is called when a directive was queued (under
    `mailhub serve` it wakes the delivery worker)."""
    app = FastAPI(title="mailhub — trang quản lý / office console", version="1",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.hub = hub
    app.state.queued = queued
    app.state.throttle = signin.Throttle(hub.settings.web.max_failed_logins)
    app.state.templates = templates(hub.settings.zone)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router, prefix="/api")

    @app.middleware("http")
    async def headers(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")  # records stay private
        return response

    @app.exception_handler(SignInNeeded)
    async def sign_in_first(request: Request, _: SignInNeeded) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Cần đăng nhập / sign in first"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/dang-nhap?next={quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        visitor = signin.visitor(hub, request.cookies.get(signin.COOKIE))
        return pages.render(request, "error.html", visitor, exc.status_code,
                            status=exc.status_code, detail=exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        visitor = signin.visitor(hub, request.cookies.get(signin.COOKIE))
        return pages.render(request, "error.html", visitor, 400, status=400,
                            detail="Thiếu hoặc sai thông tin trong biểu mẫu")

    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")
