"""JSON error bodies for what the routes never see: unknown paths, wrong methods, throttling, crashes.

Every answer that is not a success has the body {"error": {"code", "message"}} with a stable code, so
clients never have to parse HTML or guess from the status alone.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from auditapp.central.errors import ApiError
from auditapp.central.throttle import TooManyAttempts

log = logging.getLogger("auditapp.central")

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}
"""Stable codes of HTTP errors raised by the framework rather than by a route."""


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
    if exc.status_code == 404:
        message = f"no such resource: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return JSONResponse(
        ApiError(exc.status_code, code, message).as_json(),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def install(app: FastAPI) -> None:
    """Register the handlers on the app (after its own ApiError and validation handlers)."""

    @app.exception_handler(StarletteHTTPException)
    async def _framework(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _http_error(request, exc)

    @app.exception_handler(TooManyAttempts)
    async def _throttled(_request: Request, exc: TooManyAttempts) -> JSONResponse:
        return JSONResponse(
            exc.as_json(), status_code=exc.status, headers={"Retry-After": str(exc.retry_after_s)}
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        body = ApiError(
            500, "internal_error", "the central store could not handle this request; the error was logged"
        ).as_json()
        return JSONResponse(body, status_code=500)
