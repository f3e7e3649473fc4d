"""Sign-in abuse: one answer in one time for every refusal, throttling per address and per account, the
password policy, OIDC's email_verified rule and its dependency, a broken secrets.toml, secret files ignored."""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import time

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from portal import access, auth
from portal.i18n import t
from workbooks import PROJECT, as_read, open_app

PASSWORD = "correct horse battery staple"
OWNER = "partner@example.org"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Cheaper argon2id than production, but still the work that dominates an attempt (about 10 ms)."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1))


@pytest.fixture
def accounts(tmp_path):
    path = tmp_path / "accounts.sqlite"
    auth.add_user(path, OWNER, "partner", "UB-TRAUMA", PASSWORD)
    auth.add_user(path, "gone@example.org", "ministry", None, PASSWORD)
    auth.disable_user(path, "gone@example.org")
    auth.add_user(path, "oidc@example.org", "ministry", None, None)
    return path


def refusal(accounts, email, password, address="198.51.100.1") -> auth.AuthError:
    with pytest.raises(auth.AuthError) as refused:
        auth.sign_in(accounts, email, password, address)
    return refused.value


def lock(accounts, email, address):
    for _ in range(auth.ACCOUNT_FAILURES):
        refusal(accounts, email, "not the password", address)


# ---------------------------------------------------------------- one answer, one time


def test_every_refusal_of_an_account_reads_the_same(accounts):
    lock(accounts, OWNER, "198.51.100.9")
    answers = {
        "unknown email": refusal(accounts, "nobody@example.org", PASSWORD, "198.51.100.1"),
        "wrong password": refusal(accounts, OWNER, "not the password", "198.51.100.2"),
        "locked, right password": refusal(accounts, OWNER, PASSWORD, "198.51.100.9"),
        "disabled, right password": refusal(accounts, "gone@example.org", PASSWORD, "198.51.100.3"),
        "no local password": refusal(accounts, "oidc@example.org", "", "198.51.100.4"),
    }
    assert {(a.message, tuple(a.args_.items())) for a in answers.values()} == {("signin.refused", ())}
    assert "cannot sign in now" in t("signin.refused")


def test_every_refusal_takes_the_time_of_a_real_password_check(accounts, monkeypatch):
    monkeypatch.setattr(auth, "ADDRESS_FAILURES", 1000)  # this test measures, it does not throttle
    lock(accounts, OWNER, "198.51.100.9")
    cases = {
        "unknown": ("nobody@example.org", PASSWORD, "198.51.100.1"),
        "wrong": (OWNER, "not the password", "198.51.100.2"),
        "locked": (OWNER, PASSWORD, "198.51.100.9"),
        "disabled": ("gone@example.org", PASSWORD, "198.51.100.3"),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(8):  # round-robin, so a burst of load on the machine hits every case alike
        for name, (email, password, address) in cases.items():
            start = time.perf_counter()
            refusal(accounts, email, password, address)
            if round_:  # the first round warms up (the dummy hash is made once)
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    assert slowest < 2 * fastest, medians  # each within 0.5x-2x of the others
    assert fastest > 0.002, medians  # and every one did hash work (about 10 ms here), none answered at once


# ---------------------------------------------------------------- throttling


def count_hashes(monkeypatch) -> list[int]:
    """Count the argon2 checks sign-in makes from now on."""
    calls = [0]

    class CountingHasher(PasswordHasher):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            calls[0] += 1
            return super().verify(hash, password)
    monkeypatch.setattr(auth, "HASHER", CountingHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1))
    return calls


def test_an_address_that_keeps_failing_is_refused_before_any_hashing(accounts, monkeypatch):
    for n in range(auth.ADDRESS_FAILURES):  # unknown emails count against the address too
        refusal(accounts, f"guess{n}@example.org", PASSWORD, "203.0.113.5")
    hashes = count_hashes(monkeypatch)
    throttled = refusal(accounts, OWNER, PASSWORD, "203.0.113.5")
    assert throttled.message == "signin.throttled" and throttled.args_ == {"minutes": 15}
    assert hashes == [0]  # no CPU spent on it
    assert auth.session_user(accounts, auth.sign_in(accounts, OWNER, PASSWORD, "203.0.113.6"))  # others go on


def test_an_ipv6_subscriber_counts_as_one_address(accounts):
    for n in range(auth.ADDRESS_FAILURES):
        refusal(accounts, f"guess{n}@example.org", PASSWORD, f"2001:db8:1:2::{n + 1:x}")
    assert refusal(accounts, OWNER, PASSWORD, "2001:db8:1:2:ffff::1").message == "signin.throttled"
    assert auth.sign_in(accounts, OWNER, PASSWORD, "2001:db8:1:3::1")


def test_the_address_may_try_again_once_its_failures_are_fifteen_minutes_old(accounts, monkeypatch):
    now = [time.time()]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    for n in range(auth.ADDRESS_FAILURES):
        refusal(accounts, f"guess{n}@example.org", PASSWORD, "203.0.113.5")
    now[0] += auth.WINDOW_SECONDS - 30
    assert refusal(accounts, OWNER, PASSWORD, "203.0.113.5").args_ == {"minutes": 1}
    now[0] += 31
    assert auth.sign_in(accounts, OWNER, PASSWORD, "203.0.113.5")


def test_a_guesser_cannot_lock_the_owner_out_from_another_address(accounts):
    lock(accounts, OWNER, "203.0.113.5")
    assert refusal(accounts, OWNER, PASSWORD, "203.0.113.5").message == "signin.refused"
    assert auth.session_user(accounts, auth.sign_in(accounts, OWNER, PASSWORD, "198.51.100.20"))
    assert next(u for u in auth.list_users(accounts) if u["email"] == OWNER)["locked"]


def test_a_spread_out_attack_locks_the_account_except_where_its_owner_signed_in_lately(accounts):
    auth.sign_in(accounts, OWNER, PASSWORD, "198.51.100.20")  # the owner's office
    for n in range(auth.ACCOUNT_FAILURES_ANY_ADDRESS):  # a botnet: one guess per address
        refusal(accounts, OWNER, f"guess number {n}", f"203.0.{n}.1")
    assert refusal(accounts, OWNER, PASSWORD, "192.0.2.77").message == "signin.refused"  # a new address
    assert auth.sign_in(accounts, OWNER, PASSWORD, "198.51.100.20")  # the office still works


def test_a_hash_made_with_weaker_parameters_is_renewed_at_sign_in(tmp_path, monkeypatch):
    path = tmp_path / "accounts.sqlite"
    strong = auth.HASHER
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    auth.add_user(path, OWNER, "partner", "UB-TRAUMA", PASSWORD)
    monkeypatch.setattr(auth, "HASHER", strong)
    auth.sign_in(path, OWNER, PASSWORD)
    with sqlite3.connect(path) as connection:
        [stored] = connection.execute("SELECT password_hash FROM users").fetchone()
    assert f"m={strong.memory_cost}," in stored and auth.sign_in(path, OWNER, PASSWORD)


def test_a_new_password_lifts_every_lock(accounts):
    lock(accounts, OWNER, "203.0.113.5")
    auth.set_password(accounts, OWNER, "a brand new passphrase")
    assert auth.sign_in(accounts, OWNER, "a brand new passphrase", "203.0.113.5")


def test_the_sign_in_form_counts_by_the_browsers_address(monkeypatch, loaded_db):
    monkeypatch.setenv("PORTAL_DB", str(loaded_db))
    path = auth.accounts_path(loaded_db)
    auth.add_user(path, OWNER, "partner", "UB-TRAUMA", PASSWORD)
    for n in range(auth.ADDRESS_FAILURES):
        refusal(path, f"guess{n}@example.org", PASSWORD, "203.0.113.5")
    monkeypatch.setattr(access, "client_address", lambda: "203.0.113.5")
    monkeypatch.setattr(access, "signed_in_user", lambda: None)
    app = open_app(monkeypatch, loaded_db)
    app.text_input(key="sign_in_email").input(OWNER)
    app.text_input(key="sign_in_password").input(PASSWORD)
    next(b for b in app.button if b.label == "Sign in").click().run()
    assert "Too many failed sign-ins from your network" in app.error[0].value


# ---------------------------------------------------------------- password policy


@pytest.mark.parametrize("password, rule", [
    (" " * 12, "users.password_short"),
    ("\t \u00a0" * 6, "users.password_short"),
    ("      x      ", "users.password_short"),
    ("short1!", "users.password_short"),
    ("passwordpassword", "users.password_guessable"),
    ("aaaaaaaaaaaa", "users.password_guessable"),
    ("qwertyuiop123", "users.password_guessable"),
    ("iloveyou1234", "users.password_guessable"),
    ("x" * (auth.MAX_PASSWORD_LENGTH + 1), "users.password_long"),
])
def test_weak_passwords_are_refused_everywhere_a_password_is_set(accounts, password, rule):
    with pytest.raises(auth.AuthError) as adding:
        auth.add_user(accounts, "new@example.org", "ministry", None, password)
    with pytest.raises(auth.AuthError) as setting:
        auth.set_password(accounts, OWNER, password)
    assert adding.value.message == setting.value.message == rule
    assert auth.sign_in(accounts, OWNER, PASSWORD)  # the old password still works: nothing changed


def test_a_password_made_of_the_email_is_refused(accounts):
    with pytest.raises(auth.AuthError) as refused:
        auth.set_password(accounts, OWNER, "Partner@Example.org!")
    assert refused.value.message == "users.password_guessable"


@pytest.mark.parametrize("password", [PASSWORD, "Ulaanbaatar clinic 2024 visit", "만성 신장질환 연수 프로그램", "x7#Kq!mZ2$vL"])
def test_strong_passwords_are_accepted(accounts, password):
    auth.add_user(accounts, "new@example.org", "ministry", None, password)
    assert auth.sign_in(accounts, "new@example.org", password)


def test_the_users_command_refuses_twelve_spaces(loaded_db):
    result = subprocess.run([sys.executable, "-m", "portal", "users", "add", "new@example.org", "--role",
                             "ministry", "--db", str(loaded_db)], cwd=PROJECT, input=" " * 12 + "\n" + " " * 12 + "\n",
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "at least 12 characters" in result.stderr
    assert "new@example.org" not in [u["email"] for u in auth.list_users(auth.accounts_path(loaded_db))]


# ---------------------------------------------------------------- OpenID Connect


@pytest.mark.parametrize("claims, signed_in", [
    ({"email": "oidc@example.org", "email_verified": True}, True),
    ({"email": "OIDC@example.org", "email_verified": "true"}, True),  # some providers send a string
    ({"email": "oidc@example.org", "email_verified": False}, False),
    ({"email": "oidc@example.org", "email_verified": "false"}, False),
    ({"email": "oidc@example.org"}, False),  # not said is not verified
    ({"email_verified": True}, False),
    (None, False),
])
def test_an_identity_counts_only_with_a_verified_email(accounts, claims, signed_in):
    user = auth.identity_provider_user(accounts, claims)
    assert (user == auth.User("oidc@example.org", "ministry", None)) if signed_in else user is None


def test_the_sign_in_with_an_organisations_account_has_its_dependency():
    from streamlit.auth_util import is_authlib_installed
    from streamlit.web.server.starlette import starlette_auth_routes  # noqa: F401 - what st.login runs
    from authlib.integrations import starlette_client  # noqa: F401 - needs httpx too

    assert is_authlib_installed()
    pins = (PROJECT / "requirements.txt").read_text()
    assert "authlib==" in pins.lower() and "httpx==" in pins


def test_streamlit_builds_the_identity_provider_client_from_secrets(tmp_path):
    """What st.login runs first (Streamlit's own code): offline, up to the provider's metadata request."""
    import streamlit as st
    from streamlit import config
    from streamlit.web.server.starlette.starlette_auth_routes import _create_oauth_client

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
                       'cookie_secret = "only for this test"\nclient_id = "portal"\nclient_secret = "s"\n'
                       'server_metadata_url = "https://id.example.org/.well-known/openid-configuration"\n')
    previous = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(secrets)])
    st.secrets._reset()
    try:
        client, redirect = _create_oauth_client("default")
        assert client.client_id == "portal" and redirect == "http://localhost:8501/oauth2callback"
    finally:
        config.set_option("secrets.files", previous)
        st.secrets._reset()


@pytest.fixture
def broken_secrets(tmp_path, monkeypatch):
    from streamlit import config

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "https://portal.example.org/oauth2callback\nclient_id = "x"\n')
    previous = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(secrets)])
    yield secrets
    config.set_option("secrets.files", previous)


def test_a_broken_secrets_file_is_reported_not_ignored(broken_secrets, monkeypatch, seed_db, caplog):
    problem = access.settings_problem()
    assert problem and str(broken_secrets) in problem and "line 2" in problem
    monkeypatch.setenv("PORTAL_DB", str(seed_db))
    app = open_app(monkeypatch, seed_db)  # as an administrator
    assert any("settings file cannot be read" in e.value and "line 2" in e.value for e in app.error)
    broken_secrets.write_text('[auth]\nredirect_uri = "https://portal.example.org/oauth2callback"\n')
    assert access.settings_problem() is None  # fixed: noticed without a restart


def test_a_broken_secrets_file_goes_to_the_server_log(broken_secrets, caplog):
    access._toml_problem.cache_clear()
    with caplog.at_level("ERROR", logger="portal"):
        access.settings_problem()
    assert "settings file cannot be read" in caplog.text and str(broken_secrets) in caplog.text


# ---------------------------------------------------------------- files that must never be committed


@pytest.mark.parametrize("name", [".streamlit/secrets.toml", "data/portal-accounts.sqlite",
                                  "data/portal-accounts.sqlite-wal", "accounts.sqlite", "accounts-test.sqlite"])
def test_secret_files_are_ignored_by_git(name):
    result = subprocess.run(["git", "check-ignore", "-q", name], cwd=PROJECT)
    assert result.returncode == 0, f"{name} is not in .gitignore"


# ---------------------------------------------------------------- the in-app password change


@pytest.mark.real_sign_in
def test_the_in_app_password_change_follows_the_policy_and_needs_the_current_password(monkeypatch, loaded_db):
    monkeypatch.setenv("PORTAL_DB", str(loaded_db))
    path = auth.accounts_path(loaded_db)
    auth.add_user(path, OWNER, "partner", "UB-TRAUMA", PASSWORD)
    app = open_app(monkeypatch, loaded_db)
    app.text_input(key="sign_in_email").input(OWNER)
    app.text_input(key="sign_in_password").input(PASSWORD)
    next(b for b in app.button if b.label == "Sign in").click().run()

    def change(current: str, new: str, again: str | None = None) -> AppTest:
        app.text_input(key="password_current").input(current)
        app.text_input(key="password_new").input(new)
        app.text_input(key="password_again").input(new if again is None else again)
        next(b for b in app.button if b.label == "Change password").click().run()
        return app

    assert "at least 12 characters" in change(PASSWORD, " " * 12).error[0].value
    assert "too easy to guess" in change(PASSWORD, "passwordpassword").error[0].value
    assert "differ" in change(PASSWORD, "a brand new passphrase", "something else").error[0].value
    assert "cannot sign in now" in change("not the password", "a brand new passphrase").error[0].value
    assert auth.sign_in(path, OWNER, PASSWORD)  # nothing changed so far
    assert "Password changed" in change(PASSWORD, "a brand new passphrase").success[0].value
    app.run()
    assert "Signed in as partner@example.org" in " ".join(as_read(c.value) for c in app.caption)  # still signed in
    assert refusal(path, OWNER, PASSWORD).message == "signin.refused"
    assert auth.sign_in(path, OWNER, "a brand new passphrase")
