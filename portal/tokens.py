"""API tokens: made and revoked by a signed-in person, shown once, stored as a SHA-256 hash in the accounts file.

A token reads the API with its owner's scope (role and institution, checked again on every request), never
writes, and stops working when it expires, is revoked, or its owner is disabled or changes their password.
No Streamlit import: the API's routes use this too.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from portal import auth

PREFIX = "pt_"  # says what a leaked string is, so secret scanners and people recognise it
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_NAME = 80
LAST_USE_STEP = 60  # seconds: last use is written at most once a minute per token, not on every request

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL REFERENCES users(email),
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
"""
auth.add_schema(SCHEMA)  # every accounts store gets this table, SQLite or PostgreSQL
_connect = auth.transaction


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(path: Path, email: str, name: str, days: int = DEFAULT_DAYS) -> str:
    """Make a token for this account, valid for `days`; return it (the only time it is ever seen)."""
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise auth.AuthError("tokens.name_missing")
    if not 1 <= days <= MAX_DAYS:
        raise auth.AuthError("tokens.days_out_of_range", most=MAX_DAYS)
    token, now = PREFIX + secrets.token_urlsafe(32), time.time()
    with _connect(path) as connection:
        connection.execute(
            "INSERT INTO api_tokens (token_hash, token_id, email, name, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (digest(token), secrets.token_hex(6), email, name, now, now + days * 86400))
    return token


def listed(path: Path, email: str) -> list[dict[str, object]]:
    """This account's tokens that are not revoked, newest first: id, name, created, expires, last used."""
    if not auth.store_exists(path):  # reading creates nothing (a mistyped database folder stays absent)
        return []
    with _connect(path, write=False) as connection:
        rows = connection.execute(
            "SELECT token_id, name, created_at, expires_at, last_used_at FROM api_tokens"
            " WHERE email = ? AND revoked_at IS NULL ORDER BY created_at DESC", (email,)).fetchall()
    return [dict(zip(("token_id", "name", "created_at", "expires_at", "last_used_at"), row)) for row in rows]


def revoke(path: Path, email: str, token_id: str) -> bool:
    """Revoke one of this account's tokens at once; whether there was one to revoke."""
    with _connect(path) as connection:
        done = connection.execute("UPDATE api_tokens SET revoked_at = ? WHERE email = ? AND token_id = ?"
                                  " AND revoked_at IS NULL", (time.time(), email, token_id)).rowcount
    return bool(done)


def user_of(path: Path, token: str) -> auth.User | None:
    """The account a token reads for, while the token and the account are valid; None otherwise."""
    if not token.startswith(PREFIX) or not auth.store_exists(path):
        return None
    now, stored = time.time(), digest(token)
    with _connect(path, write=False) as connection:
        row = connection.execute(
            "SELECT u.email, u.role, u.institution_id, t.last_used_at FROM api_tokens AS t"
            " JOIN users AS u USING (email) WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?"
            " AND u.disabled = 0 AND t.created_at >= u.credentials_changed_at", (stored, now)).fetchone()
    if row is None:
        return None
    if row[3] is None or now - row[3] > LAST_USE_STEP:
        with _connect(path) as connection:
            connection.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?", (now, stored))
    return auth.User(*row[:3])
