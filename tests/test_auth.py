"""Local accounts: argon2id hashes, lockout, server-side sessions ended by sign-out, password change, disabling."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portal import auth
from workbooks import PROJECT

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Cheap argon2id parameters in-process (the command-line tests keep the real ones)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request, tmp_path):
    """An accounts store with one partner: the embedded SQLite file, and PostgreSQL for replicas."""
    path = tmp_path / "accounts.sqlite" if request.param == "sqlite" else request.getfixturevalue("postgres")()
    auth.add_user(path, "Partner@Example.org", "partner", "UB-TRAUMA", PASSWORD)
    return path


def test_passwords_are_stored_as_argon2id_hashes(accounts):
    with auth.transaction(accounts, write=False) as connection:
        [stored] = connection.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_gives_a_session_for_the_right_user(accounts):
    token = auth.sign_in(accounts, " partner@example.org ", PASSWORD)
    assert auth.session_user(accounts, token) == auth.User("partner@example.org", "partner", "UB-TRAUMA")
    assert auth.session_user(accounts, "forged-token") is None


def test_five_failures_lock_the_account_at_that_address_for_fifteen_minutes(accounts, monkeypatch):
    now = [auth.time.time() + 1]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    for attempt in range(5):
        with pytest.raises(auth.AuthError) as wrong:
            auth.sign_in(accounts, "partner@example.org", "wrong password!", "192.0.2.1")
        assert wrong.value.message == "signin.refused"
    now[0] += 14 * 60
    with pytest.raises(auth.AuthError) as still:
        auth.sign_in(accounts, "partner@example.org", PASSWORD, "192.0.2.1")  # even the right password, while locked
    assert still.value.message == "signin.refused"
    now[0] += 61
    assert auth.session_user(accounts, auth.sign_in(accounts, "partner@example.org", PASSWORD, "192.0.2.1"))


def test_unknown_email_and_wrong_password_read_the_same(accounts):
    with pytest.raises(auth.AuthError) as unknown:
        auth.sign_in(accounts, "nobody@example.org", PASSWORD)
    assert unknown.value.message == "signin.refused"


def test_sign_out_ends_the_session_on_the_server(accounts):
    token = auth.sign_in(accounts, "partner@example.org", PASSWORD)
    auth.sign_out(accounts, token)
    assert auth.session_user(accounts, token) is None


def test_a_changed_password_ends_old_sessions(accounts):
    old = auth.sign_in(accounts, "partner@example.org", PASSWORD)
    auth.set_password(accounts, "partner@example.org", "a brand new passphrase")
    assert auth.session_user(accounts, old) is None
    with pytest.raises(auth.AuthError):
        auth.sign_in(accounts, "partner@example.org", PASSWORD)
    assert auth.session_user(accounts, auth.sign_in(accounts, "partner@example.org", "a brand new passphrase"))


def test_a_disabled_user_is_refused_and_signed_out(accounts):
    token = auth.sign_in(accounts, "partner@example.org", PASSWORD)
    auth.disable_user(accounts, "partner@example.org")
    assert auth.session_user(accounts, token) is None
    with pytest.raises(auth.AuthError) as refused:
        auth.sign_in(accounts, "partner@example.org", PASSWORD)
    assert refused.value.message == "signin.refused"  # the same as a wrong password: it confirms nothing
    assert auth.identity_provider_user(accounts, {"email": "partner@example.org", "email_verified": True}) is None


def test_roles_for_identity_provider_users_come_from_the_users_table(accounts):
    auth.add_user(accounts, "official@health.gov.mn", "ministry", None, None)
    verified = {"email_verified": True}
    assert auth.identity_provider_user(accounts, {"email": "Official@Health.gov.mn", **verified}).role == "ministry"
    assert auth.identity_provider_user(accounts, {"email": "stranger@example.org", **verified}) is None
    with pytest.raises(auth.AuthError):  # no local password: cannot sign in with the form
        auth.sign_in(accounts, "official@health.gov.mn", "")


def users_cli(*args, stdin: str = "", ok: bool = True):
    result = subprocess.run([sys.executable, "-m", "portal", "users", *map(str, args)], cwd=PROJECT, input=stdin,
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode == 0) == ok, result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_users_command_reads_the_password_twice(loaded_db):
    users_cli("add", "admin@example.org", "--role", "administrator", "--db", loaded_db,
              stdin=f"{PASSWORD}\n{PASSWORD}\n")
    differ = users_cli("add", "other@example.org", "--role", "ministry", "--db", loaded_db,
                       stdin=f"{PASSWORD}\nsomething else entirely\n", ok=False)
    assert "differ" in differ.stderr
    unknown = users_cli("add", "p@example.org", "--role", "partner", "--institution", "NOPE", "--db", loaded_db,
                        stdin=f"{PASSWORD}\n{PASSWORD}\n", ok=False)
    assert "no institution NOPE" in unknown.stderr
    listing = users_cli("list", "--db", loaded_db).stdout
    assert "admin@example.org\tadministrator" in listing and "argon2" not in listing
    users_cli("disable", "admin@example.org", "--db", loaded_db)
    assert "disabled" in users_cli("list", "--db", loaded_db).stdout
    users_cli("set-password", "admin@example.org", "--db", loaded_db, stdin="new passphrase 1\nnew passphrase 1\n")
    accounts = auth.accounts_path(loaded_db)
    with pytest.raises(auth.AuthError) as refused:
        auth.sign_in(accounts, "admin@example.org", "new passphrase 1")
    assert refused.value.message == "signin.refused"
