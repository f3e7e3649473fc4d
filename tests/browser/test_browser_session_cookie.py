"""In a real browser: the session cookie is set by the server as HttpOnly (no script in the page can read
it), keeps a reload signed in, and is gone after sign-out; the cookie route refuses other sites and replays."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def session_cookie(portal) -> dict | None:
    return next((c for c in portal.page.context.cookies() if c["name"] == "portal_session"), None)


def test_the_session_cookie_is_http_only_and_ends_with_sign_out(portal):
    portal.open("/")
    portal.sign_in("official@moh.example")
    portal.page.wait_for_timeout(500)
    cookie = session_cookie(portal)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
    assert "portal_session" not in portal.page.evaluate("() => document.cookie")  # scripts cannot read it
    portal.open("/programmes")  # a new page load: the cookie alone keeps the session
    assert "Signed in as official@moh.example" in portal.text()
    portal.page.get_by_role("button", name="Sign out").click()
    portal.settle()
    portal.page.wait_for_timeout(500)
    assert session_cookie(portal) is None
    portal.open("/programmes")
    assert "Not signed in" in portal.text()
    assert portal.outside_requests == [] and portal.exceptions() == []


@pytest.mark.parametrize("origin", ["https://evil.example", None])
def test_the_cookie_route_refuses_other_sites_and_unknown_codes(portal_server, origin):
    request = urllib.request.Request(f"{portal_server}/_portal/session", method="POST",
                                     data=json.dumps({"code": "guessed"}).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"Origin": origin} if origin else {})})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403 and "set-cookie" not in {k.lower() for k in refused.value.headers}


def test_a_code_from_the_page_itself_but_unknown_is_refused(portal_server):
    host = portal_server.split("//", 1)[1]
    request = urllib.request.Request(f"{portal_server}/_portal/session", method="POST",
                                     data=json.dumps({"code": "guessed"}).encode(),
                                     headers={"Content-Type": "application/json", "Origin": f"http://{host}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
