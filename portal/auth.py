"""Who the viewer is: local accounts (argon2id), server-side sessions, lockout, and roles for OIDC users.

Accounts and sessions live in a small SQLite file beside the portal database, not in DuckDB: they are
written on every sign-in, by the app and the `users` command at once, and SQLite takes such small
concurrent writes from several processes safely. The exchange data stays in DuckDB (portal/db.py).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import time
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("partner", "ministry", "administrator")
MAX_FAILED_ATTEMPTS = 5
LOCK_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 12
SESSION_SECONDS = 12 * 3600  # a session ends after a working day, whatever else happens
HASHER = PasswordHasher()  # argon2id, the library's current recommended parameters

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    institution_id TEXT,
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    credentials_changed_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES users(email),
    created_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
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


def accounts_path(database: Path) -> Path:
    """The accounts file: $PORTAL_ACCOUNTS, else portal-accounts.sqlite beside the database."""
    explicit = os.environ.get("PORTAL_ACCOUNTS")
    return Path(explicit) if explicit else database.with_name("portal-accounts.sqlite")


@lru_cache(maxsize=None)
def _prepare(path: str) -> None:
    """Create the accounts file's tables once per process (not on every page rerun)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        connection.executescript(SCHEMA)


@contextmanager
def _connect(path: Path, write: bool = True):
    """A transaction on the accounts: writers take turns (counters and sessions stay exact), readers don't.

    An accounts file that cannot be opened or written (a read-only data folder) is AuthError, not a crash.
    """
    try:
        _prepare(str(path))
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except (sqlite3.OperationalError, OSError) as error:
        raise AuthError("access.accounts_unavailable", error=str(error)) from None
    with closing(connection):
        try:
            yield connection
            connection.execute("COMMIT")
        except sqlite3.OperationalError as error:  # e.g. "attempt to write a readonly database"
            with suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise AuthError("access.accounts_unavailable", error=str(error)) from None
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _normal(email: str) -> str:
    return email.strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(path: Path, email: str, role: str, institution_id: str | None, password: str | None) -> None:
    """Create an account. A password is optional: OIDC users sign in through their identity provider."""
    if role not in ROLES:
        raise AuthError("users.bad_role", role=role, roles=", ".join(ROLES))
    if (role == "partner") != bool(institution_id):
        raise AuthError("users.partner_institution")
    if password is not None:
        _check_password(password)
    now = time.time()
    with _connect(path) as connection:
        try:
            connection.execute(
                "INSERT INTO users (email, role, institution_id, password_hash, credentials_changed_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_normal(email), role, institution_id, HASHER.hash(password) if password else None, now, now))
        except sqlite3.IntegrityError:
            raise AuthError("users.exists", email=_normal(email)) from None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("users.password_short", length=MIN_PASSWORD_LENGTH)


def list_users(path: Path) -> list[dict[str, object]]:
    """Every account, without its password hash."""
    with _connect(path, write=False) as connection:
        rows = connection.execute(
            "SELECT email, role, institution_id, disabled, locked_until, password_hash IS NOT NULL"
            " FROM users ORDER BY email").fetchall()
    return [{"email": e, "role": r, "institution_id": i, "disabled": bool(d), "locked": lock > time.time(),
             "local_password": bool(p)} for e, r, i, d, lock, p in rows]


def disable_user(path: Path, email: str) -> None:
    """Disable an account and end its sessions at once."""
    with _connect(path) as connection:
        if connection.execute("UPDATE users SET disabled = 1, credentials_changed_at = ? WHERE email = ?",
                              (time.time(), _normal(email))).rowcount == 0:
            raise AuthError("users.unknown", email=_normal(email))
        connection.execute("UPDATE sessions SET revoked = 1 WHERE email = ?", (_normal(email),))


def set_password(path: Path, email: str, password: str) -> None:
    """Set a new password, lift any lockout, and end every session the account had."""
    _check_password(password)
    with _connect(path) as connection:
        updated = connection.execute(
            "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = 0, credentials_changed_at = ?"
            " WHERE email = ?", (HASHER.hash(password), time.time(), _normal(email))).rowcount
        if not updated:
            raise AuthError("users.unknown", email=_normal(email))
        connection.execute("UPDATE sessions SET revoked = 1 WHERE email = ?", (_normal(email),))


def sign_in(path: Path, email: str, password: str) -> str:
    """Check a local account's password; return a new session token, or raise AuthError saying why not.

    Five failures in a row lock the account for 15 minutes, whatever is typed meanwhile. The same message
    answers an unknown email and a wrong password, so sign-in does not tell which emails exist.
    """
    now = time.time()
    with _connect(path) as connection:
        # The outcome is decided inside the transaction but raised after it commits, so a failed attempt
        # is counted even though sign-in fails.
        refusal, token = _attempt(connection, _normal(email), password, now), None
        if refusal is None:
            token = secrets.token_urlsafe(32)
            connection.execute("INSERT INTO sessions (token_hash, email, created_at) VALUES (?, ?, ?)",
                               (_token_hash(token), _normal(email), now))
    if refusal is not None:
        raise refusal
    return token


def _attempt(connection: sqlite3.Connection, email: str, password: str, now: float) -> AuthError | None:
    """Check one sign-in attempt, counting failures; the refusal to raise, or None if it succeeded."""
    row = connection.execute(
        "SELECT password_hash, disabled, failed_attempts, locked_until FROM users WHERE email = ?",
        (email,)).fetchone()
    if row is None or row[0] is None:
        HASHER.hash(password)  # as slow as a real check, so timing does not tell either
        return AuthError("signin.wrong")
    password_hash, disabled, failed, locked_until = row
    if locked_until > now:
        return AuthError("signin.locked", minutes=int((locked_until - now) // 60) + 1)
    try:
        HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failed += 1
        lock = now + LOCK_SECONDS if failed >= MAX_FAILED_ATTEMPTS else 0
        connection.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE email = ?",
                           (0 if lock else failed, lock, email))
        return AuthError("signin.locked", minutes=LOCK_SECONDS // 60) if lock else AuthError("signin.wrong")
    if disabled:
        return AuthError("signin.disabled")
    connection.execute("UPDATE users SET failed_attempts = 0 WHERE email = ?", (email,))
    return None


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


def identity_provider_user(path: Path, email: str | None) -> User | None:
    """The portal's own record of a person signed in through OpenID Connect; the role never comes from the
    browser or the identity provider, only from the users table. None for unknown or disabled emails."""
    if not email:
        return None
    with _connect(path, write=False) as connection:
        row = connection.execute("SELECT email, role, institution_id FROM users WHERE email = ? AND disabled = 0",
                                 (_normal(email),)).fetchone()
    return User(*row) if row else None
