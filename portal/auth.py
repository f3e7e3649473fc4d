"""Who the viewer is: local accounts (argon2id), server-side sessions, throttling, and roles for OIDC users.

Accounts and sessions live in a small SQLite file beside the portal database, not in DuckDB: they are
written on every sign-in, by the app and the `users` command at once, and SQLite takes such small
concurrent writes from several processes safely. A deployment of replicas on several hosts sets
$PORTAL_ACCOUNTS_URL (postgresql://...) instead: then they live in PostgreSQL, so a sign-in on one replica
is valid on all and a sign-out or disable ends it everywhere. Both go through one door, `_connect`, with
the same SQL (written with `?` placeholders; `_Accounts.execute` translates them for PostgreSQL). The
exchange data stays in DuckDB (portal/db.py).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import secrets
import sqlite3
import threading
from typing import Any
import time
from collections.abc import Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

try:  # only a deployment that sets PORTAL_ACCOUNTS_URL needs it (requirements.txt pins it)
    import psycopg
except ImportError:  # pragma: no cover - the embedded default runs without it
    psycopg = None

ROLES = ("partner", "ministry", "administrator")
# Throttling (README "Security"): failures are counted in a sliding window, per client address and per
# account at that address, so a guesser is slowed down without locking the owner out from elsewhere.
WINDOW_SECONDS = 15 * 60
ADDRESS_FAILURES = 10  # from one address (IPv6: one /64), then refused before any hashing
ACCOUNT_FAILURES = 5  # for one account from one address, then that address cannot sign in to it
ACCOUNT_FAILURES_ANY_ADDRESS = 25  # for one account from all addresses, then only addresses it used lately
KNOWN_ADDRESS_SECONDS = 90 * 24 * 3600  # "lately": a successful sign-in from there in the last 90 days
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MIN_PASSWORD_STRENGTH = 3  # zxcvbn's score 0-4; 3 is "safely unguessable" for a slow hash like argon2id
SESSION_SECONDS = 12 * 3600  # a session ends after a working day, whatever else happens
HASHER = PasswordHasher()  # argon2id, the library's current recommended parameters
# At most one argon2 hash per core at a time: its CPU and its 64 MiB each stay bounded, whoever knocks.
_HASHING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    institution_id TEXT,
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    credentials_changed_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES users(email),
    created_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
-- Sign-in attempts for throttling. The email is kept only as a hash: what people type there may be
-- anything (a password typed in the wrong box), and unknown emails count too.
CREATE TABLE IF NOT EXISTS sign_in_attempts (
    at REAL NOT NULL,
    address TEXT NOT NULL,
    email_hash TEXT NOT NULL,
    succeeded INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_attempts_by_address ON sign_in_attempts (address, at);
CREATE INDEX IF NOT EXISTS sign_in_attempts_by_email ON sign_in_attempts (email_hash, at);
"""


class AuthError(Exception):
    """Sign-in or an account change refused; `message` is a translation key, `args_` its placeholders."""

    def __init__(self, message: str, **args: object):
        super().__init__(message)
        self.message = message
        self.args_ = args


@dataclass(frozen=True)
class User:
    """A signed-in person: their email, role and, for partners, their institution."""

    email: str
    role: str
    institution_id: str | None


def accounts_path(database: Path) -> Path | str:
    """Where the accounts live: $PORTAL_ACCOUNTS_URL (a postgresql:// URL), else the file $PORTAL_ACCOUNTS,
    else portal-accounts.sqlite beside the database."""
    url = os.environ.get("PORTAL_ACCOUNTS_URL")
    if url:
        return url
    explicit = os.environ.get("PORTAL_ACCOUNTS")
    return Path(explicit) if explicit else database.with_name("portal-accounts.sqlite")


def is_postgres(location: Path | str) -> bool:
    """Whether the accounts live in PostgreSQL (a postgresql:// URL) rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def store_exists(location: Path | str) -> bool:
    """Whether there are accounts to read: always for PostgreSQL; for SQLite, whether the file is there."""
    return is_postgres(location) or Path(location).exists()


_SCHEMAS = [SCHEMA]
# Errors that mean "the accounts store cannot be reached or written", and "that key exists already".
UNAVAILABLE: tuple[type[BaseException], ...] = (sqlite3.OperationalError, OSError)
INTEGRITY: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
if psycopg is not None:
    UNAVAILABLE += (psycopg.OperationalError,)
    INTEGRITY += (psycopg.IntegrityError,)


def add_schema(sql: str) -> None:
    """Add tables (written for SQLite, `IF NOT EXISTS`) that every accounts store gets, e.g. API tokens."""
    if sql not in _SCHEMAS:
        _SCHEMAS.append(sql)
        _prepare.cache_clear()


class _Accounts:
    """One connection to the accounts, SQLite or PostgreSQL, taking the same SQL with `?` placeholders."""

    def __init__(self, connection: Any, postgres: bool):
        self.connection, self.postgres = connection, postgres

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        """Run one statement, values bound; the cursor (fetchone, fetchall, rowcount, iteration)."""
        if self.postgres:  # the one place placeholders are translated: psycopg takes %s, a literal % is %%
            sql = sql.replace("%", "%%").replace("?", "%s")
        return self.connection.execute(sql, params)


def _postgres_schema(sql: str) -> str:
    # SQLite's REAL is 8 bytes, PostgreSQL's 4: a time in seconds needs the 8 (DOUBLE PRECISION).
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)


@lru_cache(maxsize=None)
def _prepare(location: Path | str) -> None:
    """Create the accounts' tables once per process (not on every page rerun)."""
    if is_postgres(location):
        with psycopg.connect(location, connect_timeout=10) as connection:  # commits on leaving
            # Replicas starting at once would race on CREATE TABLE IF NOT EXISTS: they take turns.
            connection.execute("SELECT pg_advisory_xact_lock(hashtext('portal-accounts-schema'))")
            for sql in _SCHEMAS:
                connection.execute(_postgres_schema(sql))
        return
    Path(location).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(location, timeout=30, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        for sql in _SCHEMAS:
            connection.executescript(sql)


@contextmanager
def _connect(location: Path | str, write: bool = True):
    """A transaction on the accounts: writers take turns (counters and sessions stay exact), readers don't.

    Accounts that cannot be opened or written (a read-only data folder, PostgreSQL down) are AuthError,
    not a crash.
    """
    postgres = is_postgres(location)
    if postgres and psycopg is None:
        raise AuthError("access.accounts_unavailable", error="PORTAL_ACCOUNTS_URL needs psycopg (requirements.txt)")
    try:
        _prepare(location if postgres else str(location))
        if postgres:
            connection = psycopg.connect(location, connect_timeout=10)
            if write:  # as SQLite's BEGIN IMMEDIATE: one writer at a time
                connection.execute("SELECT pg_advisory_xact_lock(hashtext('portal-accounts-write'))")
        else:
            connection = sqlite3.connect(location, timeout=30, isolation_level=None)
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except UNAVAILABLE as error:
        raise AuthError("access.accounts_unavailable", error=str(error)) from None
    with closing(connection):
        try:
            yield _Accounts(connection, postgres)
            connection.commit() if postgres else connection.execute("COMMIT")
        except UNAVAILABLE as error:  # e.g. "attempt to write a readonly database"
            with suppress(Exception):
                connection.rollback() if postgres else connection.execute("ROLLBACK")
            raise AuthError("access.accounts_unavailable", error=str(error)) from None
        except BaseException:
            with suppress(Exception):
                connection.rollback() if postgres else connection.execute("ROLLBACK")
            raise


transaction = _connect  # the door other account tables (portal/tokens.py) go through


def _normal(email: str) -> str:
    return email.strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email_hash(email: str) -> str:
    return hashlib.sha256(_normal(email).encode()).hexdigest()


def address_bucket(address: str | None) -> str:
    """The unit throttling counts by: an IPv4 address, an IPv6 /64 (one subscriber's whole range), or "local"."""
    if not address:
        return "local"  # Streamlit reports no address for connections from this machine
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return "other:" + address.strip()[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def add_user(path: Path, email: str, role: str, institution_id: str | None, password: str | None) -> None:
    """Create an account. A password is optional: OIDC users sign in through their identity provider."""
    if role not in ROLES:
        raise AuthError("users.bad_role", role=role, roles=", ".join(ROLES))
    if (role == "partner") != bool(institution_id):
        raise AuthError("users.partner_institution")
    if password is not None:
        check_password(password, email)
    now = time.time()
    with _connect(path) as connection:
        try:
            connection.execute(
                "INSERT INTO users (email, role, institution_id, password_hash, credentials_changed_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_normal(email), role, institution_id, HASHER.hash(password) if password else None, now, now))
        except INTEGRITY:
            raise AuthError("users.exists", email=_normal(email)) from None


def check_password(password: str, email: str | None = None) -> None:
    """Refuse a new password that breaks the policy (README "Security"), saying which rule; offline."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError("users.password_long", length=MAX_PASSWORD_LENGTH)
    # Spaces around it and runs of spaces inside it add nothing a guesser has to find.
    counted = re.sub(r"\s+", " ", password).strip()
    if len(counted) < MIN_PASSWORD_LENGTH:
        raise AuthError("users.password_short", length=MIN_PASSWORD_LENGTH)
    # zxcvbn (offline) knows the 30,000 most common passwords, English words, names, keyboard walks,
    # repeats and dates; it reads at most 72 characters, and a longer password is at least that strong.
    hints = [email, email.split("@")[0]] if email else []
    if zxcvbn(counted[:72], user_inputs=hints)["score"] < MIN_PASSWORD_STRENGTH:
        raise AuthError("users.password_guessable")


def list_users(path: Path) -> list[dict[str, object]]:
    """Every account, without its password hash; "locked" if some address cannot sign in to it now."""
    since = time.time() - WINDOW_SECONDS
    with _connect(path, write=False) as connection:
        rows = connection.execute(
            "SELECT email, role, institution_id, disabled, password_hash IS NOT NULL FROM users ORDER BY email"
        ).fetchall()
        failures = connection.execute(
            "SELECT email_hash, max(n), sum(n) FROM (SELECT email_hash, address, count(*) AS n"
            " FROM sign_in_attempts WHERE succeeded = 0 AND at > ? GROUP BY email_hash, address) AS per_address"
            " GROUP BY email_hash",
            (since,)).fetchall()
    locked = {e for e, most, total in failures if most >= ACCOUNT_FAILURES or total >= ACCOUNT_FAILURES_ANY_ADDRESS}
    return [{"email": e, "role": r, "institution_id": i, "disabled": bool(d), "locked": _email_hash(e) in locked,
             "local_password": bool(p)} for e, r, i, d, p in rows]


def disable_user(path: Path, email: str) -> None:
    """Disable an account and end its sessions at once."""
    with _connect(path) as connection:
        if connection.execute("UPDATE users SET disabled = 1, credentials_changed_at = ? WHERE email = ?",
                              (time.time(), _normal(email))).rowcount == 0:
            raise AuthError("users.unknown", email=_normal(email))
        connection.execute("UPDATE sessions SET revoked = 1 WHERE email = ?", (_normal(email),))


def set_password(path: Path, email: str, password: str) -> None:
    """Set a new password, lift any lockout, and end every session the account had."""
    check_password(password, email)
    with _connect(path) as connection:
        updated = connection.execute(
            "UPDATE users SET password_hash = ?, credentials_changed_at = ? WHERE email = ?",
            (HASHER.hash(password), time.time(), _normal(email))).rowcount
        if not updated:
            raise AuthError("users.unknown", email=_normal(email))
        connection.execute("UPDATE sessions SET revoked = 1 WHERE email = ?", (_normal(email),))
        connection.execute("DELETE FROM sign_in_attempts WHERE email_hash = ? AND succeeded = 0",
                           (_email_hash(email),))


def change_password(path: Path, email: str, current: str, new: str, address: str | None = None) -> str:
    """A signed-in person's own password change; the token of a new session (every other one ends).

    The new password must follow the policy; the current one is checked as a sign-in is (same throttle,
    same answer), so a session left open cannot be used to guess it or to change it without knowing it.
    """
    check_password(new, email)
    sign_out(path, sign_in(path, email, current, address))
    set_password(path, email, new)
    return sign_in(path, email, new, address)


def sign_in(path: Path, email: str, password: str, address: str | None = None) -> str:
    """Check a local account's password from a client address; a new session token, or AuthError.

    Every refusal of an account reads the same ("signin.refused") and costs the same argon2 work: unknown
    email, wrong password, an account locked at this address, a disabled account, an account without a
    local password. So neither the answer nor its time tells which emails exist or whether a password was
    right. Only the address throttle answers differently ("signin.throttled"), before looking at the email.
    """
    now, bucket, email_hash = time.time(), address_bucket(address), _email_hash(email)
    with _connect(path, write=False) as connection:
        wait = _address_wait(connection, bucket, now)
        if wait:
            raise AuthError("signin.throttled", minutes=int(wait // 60) + 1)
        row = connection.execute("SELECT password_hash, disabled FROM users WHERE email = ?",
                                 (_normal(email),)).fetchone()
        locked = _account_locked(connection, email_hash, bucket, now)
    stored = row[0] if row and row[0] else _dummy_hash(HASHER)
    with _HASHING:  # outside any transaction: no sign-in waits for another's hashing to write
        try:
            right = HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            right = False
    allowed = right and row is not None and row[0] is not None and not row[1] and not locked
    token = secrets.token_urlsafe(32) if allowed else None
    with _connect(path) as connection:
        connection.execute("DELETE FROM sign_in_attempts WHERE at < ?", (now - KNOWN_ADDRESS_SECONDS,))
        connection.execute("INSERT INTO sign_in_attempts (at, address, email_hash, succeeded) VALUES (?, ?, ?, ?)",
                           (now, bucket, email_hash, int(allowed)))
        if allowed:
            connection.execute("DELETE FROM sign_in_attempts WHERE email_hash = ? AND address = ? AND succeeded = 0",
                               (email_hash, bucket))
            connection.execute("INSERT INTO sessions (token_hash, email, created_at) VALUES (?, ?, ?)",
                               (_token_hash(token), _normal(email), now))
            if HASHER.check_needs_rehash(stored):  # hashes made with older parameters catch up
                connection.execute("UPDATE users SET password_hash = ? WHERE email = ?",
                                   (HASHER.hash(password), _normal(email)))
    if not allowed:
        raise AuthError("signin.refused")
    return token


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash no password matches, made with the same parameters as real ones, for emails without one."""
    return hasher.hash(secrets.token_urlsafe(32))


def _address_wait(connection: _Accounts, bucket: str, now: float) -> float:
    """Seconds until this address may try again (0: now): ADDRESS_FAILURES failures within the window."""
    failures = [at for (at,) in connection.execute(
        "SELECT at FROM sign_in_attempts WHERE address = ? AND succeeded = 0 AND at > ? ORDER BY at DESC LIMIT ?",
        (bucket, now - WINDOW_SECONDS, ADDRESS_FAILURES))]
    return failures[-1] + WINDOW_SECONDS - now if len(failures) >= ADDRESS_FAILURES else 0


def _account_locked(connection: _Accounts, email_hash: str, bucket: str, now: float) -> bool:
    """Whether this account refuses sign-in from this address now, right password or not.

    Too many failures from this address lock the account here only; its owner elsewhere is not locked
    out. Many failures from many addresses lock it everywhere except addresses it signed in from lately.
    """
    here, everywhere = connection.execute(
        "SELECT count(*) FILTER (WHERE address = ?), count(*) FROM sign_in_attempts"
        " WHERE email_hash = ? AND succeeded = 0 AND at > ?", (bucket, email_hash, now - WINDOW_SECONDS)).fetchone()
    if here >= ACCOUNT_FAILURES:
        return True
    if everywhere < ACCOUNT_FAILURES_ANY_ADDRESS:
        return False
    known = connection.execute(
        "SELECT 1 FROM sign_in_attempts WHERE email_hash = ? AND address = ? AND succeeded = 1 AND at > ?",
        (email_hash, bucket, now - KNOWN_ADDRESS_SECONDS)).fetchone()
    return known is None


def session_user(path: Path, token: str | None) -> User | None:
    """The user a session token belongs to, while the session is valid; None once it is revoked or ended."""
    if not token:
        return None
    with _connect(path, write=False) as connection:
        row = connection.execute(
            "SELECT u.email, u.role, u.institution_id FROM sessions AS s JOIN users AS u USING (email)"
            " WHERE s.token_hash = ? AND s.revoked = 0 AND u.disabled = 0"
            " AND s.created_at >= u.credentials_changed_at AND s.created_at > ?",
            (_token_hash(token), time.time() - SESSION_SECONDS)).fetchone()
    return User(*row) if row else None


def sign_out(path: Path, token: str | None) -> None:
    """End a session on the server: the token is worthless from now on."""
    if token:
        with _connect(path) as connection:
            connection.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (_token_hash(token),))


def identity_provider_user(path: Path, claims: Mapping[str, object] | None) -> User | None:
    """The portal's own record of a person signed in through OpenID Connect (`claims` is st.user).

    The role never comes from the browser or the identity provider, only from the users table, matched by
    the `email` claim, and only when the provider says it verified that email (`email_verified`): anyone
    can create an account at many providers with someone else's address. None otherwise, and for unknown
    or disabled emails.
    """
    email = (claims or {}).get("email")
    verified = (claims or {}).get("email_verified")
    if not isinstance(email, str) or not email or not (verified is True or str(verified).lower() == "true"):
        return None
    with _connect(path, write=False) as connection:
        row = connection.execute("SELECT email, role, institution_id FROM users WHERE email = ? AND disabled = 0",
                                 (_normal(email),)).fetchone()
    return User(*row) if row else None
