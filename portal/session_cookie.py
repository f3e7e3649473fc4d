"""The session cookie, set by the portal's server with HttpOnly, so no script in the page can read it.

A Streamlit script talks to the browser over a WebSocket and cannot send an HTTP header. So after a
sign-in (or sign-out) the page posts a one-time code to a route of the portal's server (server.py mounts
`routes()` on Streamlit's ASGI app), and that answer sets (or clears) the cookie. A code is good once,
for a minute, and only from the portal's own pages. No Streamlit import: this runs in the server's routes.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import SESSION_SECONDS

COOKIE = "portal_session"
PATH = "/_portal/session"
CODE_SECONDS = 60
_pending: dict[str, tuple[str | None, float]] = {}  # one-time code -> (token, or None to clear; expiry)
_lock = threading.Lock()
served = False  # set by server.py: this process answers PATH, so the app may hand cookies over


def hand_over(token: str | None) -> str:
    """A one-time code that, posted to PATH, sets the cookie to `token` (None: clears it)."""
    code, now = secrets.token_urlsafe(24), time.monotonic()
    with _lock:
        for stale in [c for c, (_, expiry) in _pending.items() if expiry < now]:
            del _pending[stale]
        _pending[code] = (token, now + CODE_SECONDS)
    return code


def _redeem(code: object) -> tuple[bool, str | None]:
    with _lock:
        token, expiry = _pending.pop(code, (None, 0.0)) if isinstance(code, str) else (None, 0.0)
    return expiry >= time.monotonic(), token


def _same_origin(request: Request) -> bool:
    """Whether the request comes from a page of this server (not a form or script on another site)."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


async def _session(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    try:
        code = (await request.json()).get("code")
    except Exception:  # noqa: BLE001 - any malformed body is simply refused
        return Response(status_code=400)
    valid, token = _redeem(code)
    if not valid:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    secure = request.url.scheme == "https"  # behind a trusted proxy, from its X-Forwarded-Proto
    if token:
        response.set_cookie(COOKIE, token, max_age=SESSION_SECONDS, path="/", secure=secure, httponly=True,
                            samesite="strict")
    else:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
    return response


def routes() -> list[Route]:
    """The route that sets the cookie, for st.App(routes=...)."""
    return [Route(PATH, _session, methods=["POST"])]
