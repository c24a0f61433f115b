"""The seed's dashboard: GET /dashboard/payments (JSON), the page at /dashboard, and its live feed
at /dashboard/stream (Server-Sent Events fed by QueryService.WatchDashboard).

The page signs in: a form posts the key once to /dashboard/session, which answers with an HttpOnly,
SameSite=Strict session cookie (gateway/sessions.py); the page and its EventSource (which cannot send
an Authorization header) then use the session. No key is ever put in a URL."""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import grpc
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, StreamingResponse
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import StripeError, from_rpc_error
from gateway.routes.common import backends, call, call_metadata, form, query_params, text
from gateway.sessions import COOKIE, DEFAULT_TTL_SECONDS, Sessions, same_origin
from stripe_shapes import objects

log = logging.getLogger(__name__)
router = APIRouter(tags=["dashboard"])

STATIC = Path(__file__).resolve().parent.parent / "static"
HEARTBEAT_SECONDS = 15.0
# Used only while WatchDashboard is unavailable (UNIMPLEMENTED): re-read the dashboard this often.
POLL_SECONDS = 1.0

DASHBOARD: dict[str, Any] = {
    "type": "object",
    "required": ["object", "day", "charge_count", "succeeded_count", "failed_count", "volume", "recent_charges"],
    "properties": {"object": {"type": "string", "enum": ["dashboard"]}, "day": {"type": "string"},
                   "charge_count": {"type": "integer"}, "volume": {"type": "array"},
                   "recent_charges": {"type": "array"}},
}


def _timeframe(request: Request) -> str:
    timeframe = text(query_params(request), "timeframe") or "today"
    if timeframe != "today":
        raise StripeError(400, "invalid_request_error", "timeframe must be 'today'", param="timeframe")
    return timeframe


def dashboard_object(d: q.Dashboard) -> dict[str, Any]:
    return {
        "object": "dashboard",
        "day": d.day,
        "timeframe": "today",
        "volume": [{"amount": v.amount, "currency": v.currency} for v in d.volume],
        "refunded": [{"amount": v.amount, "currency": v.currency} for v in d.refunded],
        "charge_count": d.charge_count,
        "succeeded_count": d.succeeded_count,
        "failed_count": d.failed_count,
        "success_rate": d.success_rate_bps / 100,
        "recent_charges": [objects.charge(c) for c in d.recent_charges],
    }


@router.get("/dashboard/payments", response_model=None, responses=doc.responds(DASHBOARD),
            openapi_extra=doc.query(("timeframe", {"type": "string", "enum": ["today"]})))
async def dashboard_payments(request: Request) -> dict[str, Any]:
    response = await call(request, backends(request).query.GetDashboard,
                          q.GetDashboardRequest(timeframe=_timeframe(request)))
    return dashboard_object(response.dashboard)


def _signed_in(request: Request) -> bool:
    sessions: Sessions = request.app.state.sessions
    return sessions.key_for(request.cookies.get(COOKIE)) is not None


def _sign_in_page(status: int = 200, error: str = "") -> HTMLResponse:
    page = (STATIC / "signin.html").read_text()
    message = f'<p id="signin-error" role="alert">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(page.replace("<!--error-->", message), status_code=status,
                        headers={"Cache-Control": "no-store"})


@router.get("/dashboard", include_in_schema=False, response_model=None)
async def dashboard_page(request: Request) -> FileResponse | HTMLResponse:
    if not _signed_in(request):
        return _sign_in_page()
    return FileResponse(STATIC / "dashboard.html", media_type="text/html", headers={"Cache-Control": "no-store"})


# The form is declared like every route's (gateway/routes/common.py refuses what a route does not name).
@router.post("/dashboard/session", include_in_schema=False, response_model=None,
             openapi_extra=doc.form({"key": doc.STRING}))
async def sign_in(request: Request) -> Response:
    """Exchange a key (form field `key`, posted by the sign-in page) for a session cookie."""
    if not same_origin(request.headers.get("origin"), request.headers.get("host")):
        return _sign_in_page(403, "Sign in from this dashboard's own page.")
    key = text(await form(request), "key").strip()
    if not key:
        return _sign_in_page(400, "Enter an API key.")
    try:
        await backends(request).query.GetDashboard(
            q.GetDashboardRequest(timeframe="today"), timeout=5,
            metadata=[("x-request-id", request.state.request_id), ("authorization", f"Bearer {key}")])
    except grpc.aio.AioRpcError as exc:
        refusal = from_rpc_error(exc)
        return _sign_in_page(refusal.status if refusal.status in (401, 403, 429) else 503, refusal.message)
    sessions: Sessions = request.app.state.sessions
    sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(COOKIE, sessions.open(key), httponly=True, samesite="strict", path="/dashboard",
                        secure=request.url.scheme == "https", max_age=DEFAULT_TTL_SECONDS)
    return response


@router.post("/dashboard/session/end", include_in_schema=False, response_model=None)
async def sign_out(request: Request) -> Response:
    if not same_origin(request.headers.get("origin"), request.headers.get("host")):
        return _sign_in_page(403, "Sign out from this dashboard's own page.")
    sessions: Sessions = request.app.state.sessions
    sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(COOKIE, path="/dashboard")
    return response


@router.get("/dashboard/static/{name}", include_in_schema=False)
async def dashboard_asset(name: str) -> FileResponse:
    allowed = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
    if name not in allowed:
        raise StripeError(404, "invalid_request_error", f"No such asset: {name}")
    return FileResponse(STATIC / name, media_type=allowed[name])


async def _snapshot(request: Request, dashboard: q.Dashboard) -> dict[str, Any]:
    """The dashboard plus balance and projection lag; those two are best effort (null if unavailable)."""
    snapshot: dict[str, Any] = {"dashboard": dashboard_object(dashboard), "balance": None, "projections": None}
    try:
        balance = await call(request, backends(request).query.GetBalance, q.GetBalanceRequest(), timeout=2)
        snapshot["balance"] = objects.balance(balance.balance)
    except StripeError:
        pass
    try:
        status = await call(request, backends(request).query.GetProjectionStatus, q.GetProjectionStatusRequest(),
                            timeout=2)
        snapshot["projections"] = [{"name": p.name, "position": p.position, "lag_ms": p.last_lag_ms,
                                    "dead_letters": p.dead_letters} for p in status.projections]
    except StripeError:
        pass
    return snapshot


def _sse(data: dict[str, Any], event: str = "dashboard") -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _updates(request: Request, timeframe: str) -> AsyncGenerator[q.Dashboard, None]:
    stream = backends(request).query.WatchDashboard(q.WatchDashboardRequest(timeframe=timeframe),
                                                    metadata=call_metadata(request))
    try:
        async for update in stream:
            yield update.dashboard
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise
        log.warning("WatchDashboard is not implemented by the query service; polling GetDashboard instead")
        while True:
            response = await call(request, backends(request).query.GetDashboard,
                                  q.GetDashboardRequest(timeframe=timeframe))
            yield response.dashboard
            await asyncio.sleep(POLL_SECONDS)
    finally:
        stream.cancel()


@router.get("/dashboard/stream", response_model=None,
            responses={200: {"description": "Server-Sent Events: one `dashboard` event per change",
                             "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                       **doc.error_responses()},
            openapi_extra=doc.query(("timeframe", {"type": "string", "enum": ["today"]})))
async def dashboard_stream(request: Request) -> StreamingResponse:
    timeframe = _timeframe(request)
    # Fail before the stream starts when the key is bad, so the client gets a proper 401.
    first = await call(request, backends(request).query.GetDashboard, q.GetDashboardRequest(timeframe=timeframe))

    closing: asyncio.Event = request.app.state.closing

    async def events() -> AsyncIterator[bytes]:
        yield _sse(await _snapshot(request, first.dashboard))
        updates = _updates(request, timeframe)
        pending: asyncio.Task[q.Dashboard] | None = None
        shutdown = asyncio.ensure_future(closing.wait())
        try:
            while True:
                pending = pending or asyncio.ensure_future(anext(updates))
                done, _ = await asyncio.wait({pending, shutdown}, timeout=HEARTBEAT_SECONDS,
                                             return_when=asyncio.FIRST_COMPLETED)
                if shutdown in done:
                    return
                if not done:
                    yield b": heartbeat\n\n"
                    continue
                try:
                    dashboard = pending.result()
                except StopAsyncIteration:
                    return
                except (grpc.aio.AioRpcError, StripeError) as exc:
                    error = from_rpc_error(exc) if isinstance(exc, grpc.aio.AioRpcError) else exc
                    yield _sse({"error": {"type": error.type, "message": error.message}}, event="error")
                    return
                pending = None
                yield _sse(await _snapshot(request, dashboard))
        finally:
            shutdown.cancel()
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
            await updates.aclose()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
