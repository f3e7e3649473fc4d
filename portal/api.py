"""The read API under /api/v1/: the pages' own queries, with the caller's scope, as JSON, CSV or Parquet.

Routes for st.App(routes=...) (server.py). Every answer reads through portal/db.py with the scope the pages
would use for the same person (portal/access.py: `scope_of`): anonymous without a token, the token owner's
role and institution with one. GET only; errors are JSON {"error": CODE, "message": TEXT}.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from portal import access, auth, db, downloads, tokens
from portal.charts.trainees import FIGURES, SHARES, retention_figures
from portal.contract import BASE_CURRENCY

PREFIX = "/api/v1"
DEFAULT_PAGE = 100
MAX_PAGE = 1000
EVERY_ROW = 2**31 - 1  # the pages' own row caps, lifted: the API pages through every match instead
# Requests per minute (documented in the README; the environment variables exist for deployments and tests).
ADDRESS_PER_MINUTE = int(os.environ.get("PORTAL_API_ADDRESS_PER_MINUTE", "120"))
TOKEN_PER_MINUTE = int(os.environ.get("PORTAL_API_TOKEN_PER_MINUTE", "600"))
CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}  # RFC 6750
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
           "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True)
class Endpoint:
    """One list: the page query it reads, its filters (query parameter -> query's parameter) and what it needs."""

    query: str
    summary: str
    lists: dict[str, str] = field(default_factory=dict)  # comma-separated codes; empty: any
    years: bool = False  # year_from, year_to
    texts: dict[str, str] = field(default_factory=dict)  # one value; absent: any
    required: tuple[str, ...] = ()  # texts that must be given
    fixed: dict[str, object] = field(default_factory=dict)
    needs: str | None = None  # "names" or "costs": refused when the scope hides them, as the page hides them
    # The query's own $limit keeps its first rows in its own order (equipment_items), so it need only reach
    # the end of the page asked for: what it computes per row is then done for that many rows, not every one.
    limit_to_page: bool = False
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # texts with fixed values; absent: the first
    dated: bool = False  # binds $as_of: today
    # Rows as data, batch by batch, given whether the caller is protected (no names): figures of people pass
    # through the page's own small-group rule (portal/charts/trainees.py: retention_figures). Its schema is fixed.
    shape: Callable[[pa.RecordBatch, bool], pa.RecordBatch] | None = None


RETENTION_ROW = pa.schema([("cohort", pa.string()), ("cohort_code", pa.string()), ("months", pa.int64()),
                           *((figure, pa.int64()) for figure in FIGURES), *((share, pa.float64()) for share in SHARES),
                           ("cases_reported", pa.int64()), ("suppressed", pa.list_(pa.string()))])


def _retention_rows(batch: pa.RecordBatch, protect: bool) -> pa.RecordBatch:
    """Cohort figures as numbers, with the Trainees page's rule for callers without names: a figure resting on
    1 to 4 people is null and named in `suppressed`."""
    if not batch.num_rows:  # pandas' empty nullable columns convert to arrays without chunks, which a batch refuses
        return pa.RecordBatch.from_pylist([], schema=RETENTION_ROW)
    return pa.RecordBatch.from_pandas(retention_figures(batch.to_pandas(), protect), schema=RETENTION_ROW,
                                      preserve_index=False)


ENDPOINTS = {
    "programmes": Endpoint(
        "programmes_matching", "Programmes matching the Programmes page's filters, oldest first, with totals.",
        lists={"home_country": "home_countries", "host_country": "host_countries", "institution": "institutions",
               "home": "homes", "host": "hosts", "kind": "kinds", "specialty": "specialties", "status": "statuses",
               "funding": "funding_sources", "confirmation": "confirmations"},
        years=True, fixed={"limit": EVERY_ROW}),
    "institutions": Endpoint(
        "institution_list", "Every institution the caller sees, with or without coordinates, with its website "
        "and ROR id, by id.", fixed={"limit": EVERY_ROW}),
    "institutions_on_map": Endpoint(
        "institution_activity", "Institutions with coordinates and their programme and event counts "
        "(the Partner hospitals map), most active first.", fixed={"limit": EVERY_ROW}),
    "participants": Endpoint(
        "programme_participants", "The people of one programme (not for anonymous callers).",
        texts={"programme": "programme"}, required=("programme",), needs="names"),
    "equipment": Endpoint(
        "equipment_items", "Equipment matching the Equipment page's filters, most recent first, with costs and "
        "the rates used.", lists={"category": "categories", "institution": "institutions", "country": "countries"},
        years=True, fixed={"limit": EVERY_ROW}, limit_to_page=True),
    "events": Endpoint("programme_events", "The events of one programme.", texts={"programme": "programme"},
                       required=("programme",)),
    "costs": Endpoint(
        "programme_costs", "The costs of one programme with both rates used (units per US dollar) and the "
        "converted amount.", texts={"programme": "programme"}, required=("programme",), needs="costs"),
    "figures": Endpoint("overview_figures", "The Overview page's key figures for programmes starting in the years.",
                        years=True),
    "equipment_spending": Endpoint(
        "equipment_spending", "The Equipment page's spending figures: total, by year and category, and the "
        "institutions that spent most.", lists={"category": "categories", "institution": "institutions",
                                                "country": "countries"},
        years=True, fixed={"institution_limit": 25}),  # pages/equipment.py INSTITUTION_LIMIT
    "procedures": Endpoint(
        "impact_monthly_volumes", "Monthly procedure cases by technique at one institution (the Impact page).",
        texts={"institution": "institution", "department": "department", "procedure": "procedure"},
        required=("institution",), fixed={"months": EVERY_ROW}),
    "retention": Endpoint(
        "cohort_retention", "Retention per cohort 6..60 months after the programme's end, as the Trainees page "
        "shows it: counts of trainees as whole numbers, retained_share and practising_share as fractions from 0 to 1. "
        "null is a figure not reported (a share of nobody followed up), or, for callers without names, a figure "
        "resting on fewer than 5 people, which `suppressed` then names (not shown, rather than not reported).",
        texts={"cohort_by": "cohort_by"}, choices={"cohort_by": ("programme", "host", "specialty", "return_year")},
        dated=True, shape=_retention_rows),
    "follow_ups": Endpoint(
        "trainee_follow_ups", "Follow-ups of trainees after their programme, person by person (not for anonymous "
        "callers).", texts={"programme": "programme"}, fixed={"limit": EVERY_ROW}, needs="names"),
}


# The figures the pages draw, with the pages' parameters (their row caps lifted: the API pages instead).
IMPACT_FILTERS = {"institution": "institution", "department": "department", "procedure": "procedure"}
ENDPOINTS.update({
    "impact_milestones": Endpoint(
        "impact_milestones", "The Impact page's reference events at one institution: its programmes and equipment "
        "acquisitions, with their windows and which one the page picks by default.", texts=IMPACT_FILTERS,
        required=("institution",)),
    "technique_shares": Endpoint(
        "impact_technique_shares", "The Impact page's share of one institution's cases by technique per quarter.",
        texts=IMPACT_FILTERS, required=("institution",), fixed={"quarters": EVERY_ROW}),
    "before_after": Endpoint(
        "impact_before_after", "The Impact page's cases, length of stay and complications before and after one "
        "reference event (reference_lane programme or equipment, reference_id from impact_milestones).",
        texts={**IMPACT_FILTERS, "reference_lane": "reference_lane", "reference_id": "reference_id"},
        required=("institution", "reference_lane", "reference_id")),
    "partner_profile": Endpoint(
        "institution_profile", "The Partner hospitals page's profile of one institution, with its programme and "
        "event counts.", texts={"institution": "institution"}, required=("institution",)),
    "partner_counterparts": Endpoint(
        "partner_counterparts", "Every institution one institution worked with, and how (the Partner hospitals "
        "page).", texts={"institution": "institution"}, required=("institution",), fixed={"limit": EVERY_ROW}),
    "flows": Endpoint(
        "programme_flows", "The Overview page's flows from home to host institution by kind, heaviest first.",
        years=True, fixed={"limit": EVERY_ROW}),
})


class Refused(Exception):
    """A request answered with an error: HTTP status, stable code, English message, extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.code, "message": self.message}, status_code=self.status,
                            headers={"Cache-Control": "no-store", **self.headers})


class RateLimit:
    """At most `per_minute` requests per key in any sliding minute."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Count a request for `key`; 0 when allowed, else the seconds until one is allowed again."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return 60 - (now - seen[0])
            seen.append(now)
            if len(self._seen) > 100_000:  # forget idle keys so many addresses cannot grow memory forever
                for stale in [k for k, v in self._seen.items() if not v or v[-1] <= now - 60]:
                    del self._seen[stale]
            return 0.0


by_address, by_token = RateLimit(ADDRESS_PER_MINUTE), RateLimit(TOKEN_PER_MINUTE)
_store: db.Store | None = None


def store() -> db.Store:
    """The server process's connection for the API (reopened by the store after every import)."""
    global _store
    if _store is None or _store.path != db.database_path():
        _store = db.open_store()
    return _store


def _throttle(limit: RateLimit, key: str, what: str) -> None:
    wait = limit.wait(key)
    if wait:
        raise Refused(429, "rate_limited", f"Too many requests from this {what}: at most {limit.per_minute} a minute.",
                      {"Retry-After": str(max(1, math.ceil(wait)))})


def caller_scope(request: Request) -> db.Scope:
    """The scope of whoever calls: the token's owner, or anonymous without a token; counts the rate limits."""
    _throttle(by_address, auth.address_bucket(request.client.host if request.client else None), "address")
    header = request.headers.get("authorization")
    if header is None:
        return access.scope_of(None)
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Refused(401, "invalid_token", "The Authorization header must be 'Bearer TOKEN'.", CHALLENGE)
    try:
        user = tokens.user_of(auth.accounts_path(db.database_path()), token.strip())
    except auth.AuthError:
        raise Refused(503, "accounts_unavailable", "The accounts cannot be read now; try again later.") from None
    if user is None:
        raise Refused(401, "invalid_token", "The token is unknown, expired or revoked.", CHALLENGE)
    _throttle(by_token, tokens.digest(token.strip()), "token")
    return access.scope_of(user)


def _defaults(endpoint: Endpoint) -> dict[str, object]:
    """The parameters of a request that gives no filter (required texts unset), as the query binds them."""
    params: dict[str, object] = {**endpoint.fixed, **{bound: [] for bound in endpoint.lists.values()},
                                 **{bound: None for bound in endpoint.texts.values()},
                                 "include_illustrative": True, "reporting_currency": BASE_CURRENCY}
    if endpoint.years:
        params.update(year_from=1900, year_to=2200)
    if endpoint.limit_to_page:
        params["limit"] = 0
    if endpoint.dated:
        params["as_of"] = date.today()
    return params


def _params(endpoint: Endpoint, request: Request) -> dict[str, object]:
    query = request.query_params
    known = {"format", "limit", "offset", "include_illustrative", "reporting_currency", *endpoint.lists,
             *endpoint.texts, *(("year_from", "year_to") if endpoint.years else ())}
    unknown = sorted(set(query) - known)
    if unknown:
        raise Refused(400, "unknown_parameter", f"Unknown query parameter {unknown[0]!r}; known: {sorted(known)}.")
    params: dict[str, object] = dict(endpoint.fixed)
    for name, bound in endpoint.lists.items():
        params[bound] = [code.strip() for code in query.get(name, "").split(",") if code.strip()]
    if endpoint.years:
        params["year_from"] = _integer(query, "year_from", 1900, 0, 9999)
        params["year_to"] = _integer(query, "year_to", 2200, 0, 9999)
    for name, bound in endpoint.texts.items():
        params[bound] = query.get(name) or None
        if name in endpoint.required and params[bound] is None:
            raise Refused(400, "missing_parameter", f"The query parameter {name!r} is required.")
        allowed = endpoint.choices.get(name)
        if allowed:
            params[bound] = params[bound] or allowed[0]
            if params[bound] not in allowed:
                raise Refused(400, "bad_parameter", f"{name} must be one of {list(allowed)}.")
    if endpoint.dated:
        params["as_of"] = date.today()
    illustrative = query.get("include_illustrative", "true").lower()
    if illustrative not in ("true", "false"):
        raise Refused(400, "bad_parameter", "include_illustrative must be true or false.")
    params["include_illustrative"] = illustrative == "true"
    params["reporting_currency"] = query.get("reporting_currency", BASE_CURRENCY).upper()
    params["page_limit"] = _integer(query, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
    params["page_offset"] = _integer(query, "offset", 0, 0, 2**62)
    if endpoint.limit_to_page:
        params["limit"] = min(EVERY_ROW, params["page_offset"] + params["page_limit"])
    return params


def _integer(query, name: str, default: int, least: int, most: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or not least <= int(text) <= most:
        raise Refused(400, "bad_parameter", f"{name} must be a whole number from {least} to {most}.")
    return int(text)


def _plain(value: object) -> object:
    """A value JSON can carry: dates as ISO text, decimals as numbers, NaN as null."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json_body(batches, page: dict[str, object]):
    """The page as {"data": [...], "page": {...}}, written batch by batch."""
    yield b'{"data": ['
    first = True
    for batch in batches:
        for row in batch.to_pylist():
            yield (b"" if first else b",") + json.dumps({k: _plain(v) for k, v in row.items()},
                                                        ensure_ascii=False).encode()
            first = False
    yield b'], "page": ' + json.dumps(page).encode() + b"}"


def _csv_body(batches):
    """CSV as the pages' downloads write it (portal/downloads.py), batch by batch."""
    first = True
    for batch in batches:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if first:
            buffer.write("\ufeff")
            writer.writerow(downloads.csv_row(batch.schema.names))
            first = False
        for row in batch.to_pylist():
            writer.writerow(downloads.csv_row(row.values()))
        yield buffer.getvalue().encode("utf-8")


def _list(name: str, endpoint: Endpoint):
    async def answer(request: Request) -> Response:
        # The accounts file and the database are read in a worker thread: the event loop also serves the app.
        return await run_in_threadpool(_answer, name, endpoint, request)
    return answer


def _answer(name: str, endpoint: Endpoint, request: Request) -> Response:
    """One list request: the caller's scope, the filters, then the first rows (errors as JSON answers)."""
    try:
        scope = caller_scope(request)
        params = _params(endpoint, request)
        format_ = request.query_params.get("format", "json")
        if format_ not in FORMATS:
            raise Refused(400, "bad_parameter", f"format must be one of {sorted(FORMATS)}.")
        if endpoint.needs == "names" and not scope.names_visible:
            raise Refused(403, "names_not_shown", "People's names are not shown to this caller.")
        if endpoint.needs == "costs" and not scope.costs_visible:
            raise Refused(403, "costs_not_shown", "Costs are not shown to this caller.")
        batches = db.stream_page(store(), endpoint.query, scope, **params)
        if endpoint.shape:
            batches = (endpoint.shape(batch, not scope.names_visible) for batch in batches)
        first = next(batches, None)  # the database is read now, so a fault is an error answer, not a cut body
    except Refused as refused:
        return refused.response()
    except db.DatabaseUnavailable:
        return Refused(503, "database_unavailable", "The database cannot be read now.").response()
    return _respond(name, request, format_, params, first, batches)


def _respond(name, request, format_, params, first, batches) -> Response:
    """The page in its format, the rows after the first batch written as they come."""
    def every():
        if first is not None:
            yield first
            yield from batches
    headers = {"Cache-Control": "no-store", "Vary": "Authorization"}
    limit, offset = params["page_limit"], params["page_offset"]
    page = {"limit": limit, "offset": offset}
    if format_ == "parquet":
        table = pa.Table.from_batches(list(every())) if first is not None else None
        buffer = io.BytesIO()
        if table is not None:
            pq.write_table(table, buffer)
        headers["X-Next-Offset"] = str(offset + limit) if table is not None and table.num_rows == limit else ""
        return Response(buffer.getvalue(), media_type=FORMATS["parquet"], headers=headers)
    if format_ == "csv":
        headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
        return StreamingResponse(_csv_body(every()), media_type=FORMATS["csv"], headers=headers)
    page["next_offset_if_more"] = offset + limit  # an empty page after it means the end
    return StreamingResponse(_json_body(every(), page), media_type=FORMATS["json"], headers=headers)


def _json_type(arrow_type: pa.DataType) -> dict[str, object]:
    """The JSON Schema of a column as the JSON answers write it (every column may be null)."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return {"type": ["array", "null"], "items": _json_type(arrow_type.value_type)}
    if pa.types.is_boolean(arrow_type):
        return {"type": ["boolean", "null"]}
    if pa.types.is_integer(arrow_type):
        return {"type": ["integer", "null"]}
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return {"type": ["number", "null"]}
    if pa.types.is_date(arrow_type):
        return {"type": ["string", "null"], "format": "date"}
    if pa.types.is_timestamp(arrow_type):
        return {"type": ["string", "null"], "format": "date-time"}
    return {"type": ["string", "null"]}


_row_schemas: dict[tuple, dict[str, object]] = {}


def _answer_schema(endpoint: Endpoint) -> pa.Schema:
    """The columns an endpoint answers with: its query's, as its shape (if any) leaves them for a caller without
    names."""
    schema = db.result_schema(store(), endpoint.query, **_defaults(endpoint))
    if endpoint.shape is None:
        return schema
    return endpoint.shape(pa.RecordBatch.from_pylist([], schema=schema), True).schema  # a shape sets its types


def row_schemas() -> dict[str, dict[str, object]]:
    """Each endpoint's row as JSON Schema, from its query's result columns (kept per database file)."""
    key = (store().path, store().version())
    if key not in _row_schemas:
        _row_schemas.clear()
        _row_schemas[key] = {name: {"type": "object", "properties": {
            column.name: _json_type(column.type) for column in _answer_schema(endpoint)}}
            for name, endpoint in ENDPOINTS.items()}
    return _row_schemas[key]


def openapi() -> dict[str, object]:
    """The OpenAPI 3.1 description of every endpoint, its rows' columns read from its query."""
    rows = row_schemas()
    common = [
        {"name": "format", "in": "query", "schema": {"type": "string", "enum": list(FORMATS), "default": "json"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                     "default": DEFAULT_PAGE}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "include_illustrative", "in": "query", "schema": {"type": "boolean", "default": True}},
        {"name": "reporting_currency", "in": "query", "schema": {"type": "string", "default": BASE_CURRENCY}}]
    error = {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths = {}
    for name, endpoint in ENDPOINTS.items():
        parameters = list(common)
        parameters += [{"name": p, "in": "query", "description": "comma-separated codes; absent: any",
                        "schema": {"type": "string"}} for p in endpoint.lists]
        if endpoint.years:
            parameters += [{"name": p, "in": "query", "description": "programmes starting in or after (before) "
                            "this year", "schema": {"type": "integer", "default": default}}
                           for p, default in (("year_from", 1900), ("year_to", 2200))]
        parameters += [{"name": p, "in": "query", "required": p in endpoint.required,
                        "description": "required" if p in endpoint.required else "one value; absent: any",
                        "schema": {"type": "string", **({"enum": list(endpoint.choices[p])} if p in endpoint.choices
                                                        else {})}}
                       for p in endpoint.texts]
        page_of_rows = {"type": "object", "required": ["data", "page"], "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "page": {"type": "object"}}}
        paths[f"{PREFIX}/{name}"] = {"get": {
            "summary": endpoint.summary, "operationId": f"list_{name}", "parameters": parameters,
            "security": [{}, {"token": []}],
            "responses": {"200": {"description": "One page: JSON {data, page}, CSV or Parquet (the same columns)",
                                  "content": {FORMATS["json"]: {"schema": page_of_rows},
                                              FORMATS["csv"]: {"schema": {"type": "string"}},
                                              FORMATS["parquet"]: {"schema": {"type": "string", "format": "binary"}}}},
                          "400": error, "401": error, "403": error, "429": error,
                "503": error}}}
    return {"openapi": "3.1.0",
            "info": {"title": "Exchange Portal read API", "version": "1",
                     "description": "Read-only. Without a token: the anonymous scope. Rate limits: "
                                    f"{ADDRESS_PER_MINUTE} requests a minute per address, {TOKEN_PER_MINUTE} per token."},
            "paths": paths,
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
                           "schemas": {**rows, "Error": {"type": "object", "required": ["error", "message"],
                                                         "properties": {"error": {"type": "string"},
                                                                        "message": {"type": "string"}}}}}}


async def _openapi(request: Request) -> Response:
    try:
        return JSONResponse(await run_in_threadpool(openapi))  # reads the queries' columns from the database
    except db.DatabaseUnavailable:
        return Refused(503, "database_unavailable", "The database cannot be read now.").response()


async def _not_found(request: Request) -> Response:
    return Refused(404, "not_found", "No such API endpoint; see /api/v1/openapi.json.").response()


async def _method_not_allowed(request: Request) -> Response:
    return Refused(405, "method_not_allowed", "The API is read-only: only GET (and HEAD).",
                   {"Allow": "GET, HEAD"}).response()


def routes() -> list[Route]:
    """The API's routes, for st.App(routes=...): GET only (any other method is 405)."""
    return [Route(f"{PREFIX}/openapi.json", _openapi, methods=["GET"]),
            *[Route(f"{PREFIX}/{name}", _list(name, endpoint), methods=["GET"])
              for name, endpoint in ENDPOINTS.items()],
            Route(PREFIX + "/{rest:path}", _not_found, methods=["GET"]),
            # Starlette's own 405 is plain text: every other method gets the API's JSON error instead.
            Route(PREFIX + "/{rest:path}", _method_not_allowed, methods=["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])]
