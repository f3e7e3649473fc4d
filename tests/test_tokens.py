"""API tokens: shown once, stored hashed, listed with last use, revoked at once, and made in the account box."""

from __future__ import annotations

import hashlib
import time

import pytest

from portal import auth, tokens
from test_access import PASSWORD
from workbooks import open_app


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request, loaded_db, monkeypatch):
    """One partner's accounts, where the app reads them: the SQLite file beside the database, or PostgreSQL."""
    monkeypatch.setenv("PORTAL_DB", str(loaded_db))
    if request.param == "postgresql":
        monkeypatch.setenv("PORTAL_ACCOUNTS_URL", request.getfixturevalue("postgres")())
    path = auth.accounts_path(loaded_db)
    auth.add_user(path, "partner@example.org", "partner", "UB-TRAUMA", PASSWORD)
    return path


def test_a_token_is_stored_only_as_its_hash_and_reads_as_its_owner(accounts):
    token = tokens.create(accounts, "partner@example.org", "dashboard", 30)
    with auth.transaction(accounts, write=False) as connection:
        stored = [tuple(row) for row in connection.execute(
            "SELECT token_hash, expires_at - created_at FROM api_tokens").fetchall()]
        every_text = " ".join(str(value) for row in connection.execute("SELECT * FROM api_tokens") for value in row)
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), pytest.approx(30 * 86400))]
    assert token not in every_text
    if not auth.is_postgres(accounts):
        assert token not in accounts.read_bytes().decode("latin-1")
    assert tokens.user_of(accounts, token) == auth.User("partner@example.org", "partner", "UB-TRAUMA")
    assert tokens.user_of(accounts, token + "x") is None and tokens.user_of(accounts, "") is None


def test_revoking_disabling_or_a_new_password_ends_a_token(accounts):
    first = tokens.create(accounts, "partner@example.org", "one", 1)
    (listed,) = tokens.listed(accounts, "partner@example.org")
    assert tokens.revoke(accounts, "partner@example.org", listed["token_id"]) and tokens.user_of(accounts, first) is None
    assert tokens.listed(accounts, "partner@example.org") == []
    second = tokens.create(accounts, "partner@example.org", "two", 1)
    time.sleep(0.01)
    auth.set_password(accounts, "partner@example.org", "another long passphrase")
    assert tokens.user_of(accounts, second) is None
    third = tokens.create(accounts, "partner@example.org", "three", 1)
    auth.disable_user(accounts, "partner@example.org")
    assert tokens.user_of(accounts, third) is None


def test_a_token_needs_a_name_and_a_bounded_life(accounts):
    with pytest.raises(auth.AuthError, match="tokens.name_missing"):
        tokens.create(accounts, "partner@example.org", "   ", 1)
    with pytest.raises(auth.AuthError, match="tokens.days_out_of_range"):
        tokens.create(accounts, "partner@example.org", "x", tokens.MAX_DAYS + 1)


@pytest.mark.real_sign_in
def test_the_account_box_makes_shows_once_lists_and_revokes_a_token(monkeypatch, accounts):
    app = open_app(monkeypatch)
    app.text_input(key="sign_in_email").input("partner@example.org")
    app.text_input(key="sign_in_password").input(PASSWORD)
    next(b for b in app.button if b.label == "Sign in").click().run()
    app.text_input(key="api_token_name").input("my report")
    next(b for b in app.button if b.label == "Create token").click().run()
    shown = [c.value for c in app.code if c.value.startswith(tokens.PREFIX)]
    assert len(shown) == 1 and tokens.user_of(accounts, shown[0]).email == "partner@example.org"
    assert any("**my report**" in m.value and "last used" in m.value for m in app.markdown)
    app.run()
    assert not [c for c in app.code if c.value.startswith(tokens.PREFIX)]  # shown once
    (listed,) = tokens.listed(accounts, "partner@example.org")
    app.button(key=f"api_token_revoke_{listed['token_id']}").click().run()
    assert tokens.user_of(accounts, shown[0]) is None and tokens.listed(accounts, "partner@example.org") == []
