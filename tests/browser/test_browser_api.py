"""The read API over HTTP against a real server: each role gets exactly what its pages read, tokens are checked."""

from __future__ import annotations

import io
import json
import shutil
import time
import urllib.error
import urllib.request
from datetime import date
from itertools import count

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from portal import api, auth, db, tokens
from portal.charts.trainees import FIGURES, SHARES
from portal_browser import running_portal

TOKEN_LIMIT = 60  # requests a minute per token on the test server (each test's role tokens make fewer)
ADDRESS_LIMIT = 40
ROLES = {"partner": ("partner@nctd.example", db.Scope(role="partner", institution_id="MNG-NCTD")),
         "ministry": ("official@moh.example", db.Scope(role="ministry")),
         "administrator": ("admin@example.org", db.Scope(role="administrator"))}
ANONYMOUS = db.Scope(role="anonymous", names_visible=False, costs_visible=False)
addresses = (f"10.9.{n // 250}.{n % 250 + 1}" for n in count())  # every test its own address (X-Forwarded-For)


UNMAPPED = {"institution_id": "KOR-NOMAP", "name": "Hospital without coordinates", "kind": "hospital",
            "country": "KOR", "website": "https://nomap.example", "ror_id": "https://ror.org/000000000",
            "source": "API test"}


@pytest.fixture(scope="module")
def api_database(seed_db_master, tmp_path_factory):
    """The seed database plus one institution that has no coordinates (the map leaves it out) but a ROR id, and
    one follow-up of a participant (the seed has none), so every list has a row to compare."""
    database = tmp_path_factory.mktemp("api-db") / "seed.duckdb"
    shutil.copyfile(seed_db_master, database)
    with db.writing(database) as writer:
        columns = ", ".join(f"${column} AS {column}" for column in UNMAPPED)
        writer.connection.execute(f"INSERT INTO institutions BY NAME SELECT {columns}", UNMAPPED)
        writer.connection.execute(
            "INSERT INTO follow_ups (programme_id, person_name, role, date, status, source)"
            " SELECT p.programme_id, p.person_name, p.role, strftime(date_first(g.end_date) + INTERVAL 6 MONTH, '%Y-%m-%d'),"
            " 'at_home_institution', 'API test' FROM participants AS p JOIN programmes AS g USING (programme_id)"
            " WHERE g.end_date IS NOT NULL ORDER BY ALL LIMIT 1")
    return database


@pytest.fixture(scope="module")
def served(api_database, tmp_path_factory):
    """A server with its own accounts file: (base URL, accounts path, the database it reads)."""
    accounts = tmp_path_factory.mktemp("api") / "accounts.sqlite"
    for email, (role, institution) in {"admin@example.org": ("administrator", None),
                                       "partner@nctd.example": ("partner", "MNG-NCTD"),
                                       "official@moh.example": ("ministry", None)}.items():
        auth.add_user(accounts, email, role, institution, None)
    env = {"PORTAL_ACCOUNTS": str(accounts), "PORTAL_API_TOKEN_PER_MINUTE": str(TOKEN_LIMIT),
           "PORTAL_API_ADDRESS_PER_MINUTE": str(ADDRESS_LIMIT)}
    with running_portal(api_database, tmp_path_factory, env=env) as url:
        yield url, accounts, db.open_store(api_database)


def call(url: str, path: str, token: str | None = None, method: str = "GET", address: str | None = None):
    """(status, headers, body bytes) of one request."""
    request = urllib.request.Request(url + path, method=method)
    request.add_header("X-Forwarded-For", address or next(addresses))
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def every_row(url: str, path: str, token: str | None, page: int = 10) -> list[dict]:
    """All rows of a list, page by page (a small page, so paging itself is tested)."""
    rows, offset, address = [], 0, next(addresses)
    while True:
        status, _, body = call(url, f"{path}{'&' if '?' in path else '?'}limit={page}&offset={offset}", token,
                               address=address)
        assert status == 200, body
        data = json.loads(body)["data"]
        rows += data
        if len(data) < page:
            return rows
        offset += page


def page_rows(store: db.Store, endpoint: str, scope: db.Scope, **given) -> list[dict]:
    """What the page's own query gives this scope (db.Store.read, as the pages call it), as plain values."""
    spec = api.ENDPOINTS[endpoint]
    params = {**spec.fixed, **{bound: [] for bound in spec.lists.values()},
              **{bound: None for bound in spec.texts.values()}, "reporting_currency": "USD",
              **({"year_from": 1900, "year_to": 2200} if spec.years else {}),
              **{spec.texts[name]: allowed[0] for name, allowed in spec.choices.items()},
              **({"as_of": date.today()} if spec.dated else {}), **given}
    frame = store.read(spec.query, scope, **params)
    if spec.shape:  # retention as numbers, figures on 1 to 4 people null and listed in `suppressed` without names
        batch = pa.RecordBatch.from_pandas(frame, preserve_index=False)
        frame = spec.shape(batch, not scope.names_visible).to_pandas()
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def day(value: object) -> object:
    """A midnight timestamp as pandas writes it, as its day (the API writes dates as ISO days)."""
    return value[:10] if isinstance(value, str) and "T00:00:00" in value else value


def same(api_rows: list[dict], expected: list[dict], key: str) -> None:
    """The same records in the same order, with the same texts and numbers (dates compared by their day)."""
    assert [r[key] for r in api_rows] == [day(r[key]) for r in expected]
    for got, want in zip(api_rows, expected):
        assert got.keys() == want.keys()
        for column, value in want.items():
            value = day(value)
            if isinstance(value, float) and isinstance(got[column], (int, float)):
                assert got[column] == pytest.approx(value), column
            else:
                assert got[column] == value, column


@pytest.fixture
def role_tokens(served):
    """Fresh tokens for each test, so the per-token rate limit counts one test's requests only."""
    url, accounts, _ = served
    return {role: tokens.create(accounts, email, f"test {role}", 1) for role, (email, _) in ROLES.items()}


def one_programme(store: db.Store, scope: db.Scope) -> str:
    """A programme this scope sees that has participants, events and costs where the seed has them."""
    rows = page_rows(store, "programmes", scope)
    return rows[-1]["item_id"]


def programme_with_events(store: db.Store, scope: db.Scope, endpoint: str = "events") -> str:
    """The first programme this scope sees that has events (or the endpoint's other rows), so comparing them
    compares something."""
    return next(row["item_id"] for row in page_rows(store, "programmes", scope)
                if page_rows(store, endpoint, scope, programme=row["item_id"]))


def busiest_site(store: db.Store) -> str:
    """The institution with the most procedure cases, as the Impact page lists them for the ministry."""
    sites = store.read("impact_institutions", db.Scope(role="ministry"), requested=None, include_illustrative=True,
                       reporting_currency="USD")
    return sites.sort_values(["cases", "institution_id"], ascending=[False, True])["institution_id"].iloc[0]


LISTS = {"programmes": ("", "item_id"), "institutions": ("", "institution_id"),
         "institutions_on_map": ("", "institution_id"), "equipment": ("", "item_id"),
         "figures": ("?year_from=2018", "programmes"), "equipment_spending": ("", "dimension"),
         "retention": ("", "cohort")}
MAY_BE_EMPTY = {"retention"}  # the seed's trainees are of programmes a partner (MNG-NCTD) takes no part in


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_every_list_returns_what_the_pages_read_for_the_role(served, role_tokens, role):
    url, _, store = served
    token = role_tokens.get(role)
    scope = ROLES[role][1] if token else ANONYMOUS
    for endpoint, (query, key) in LISTS.items():
        expected = page_rows(store, endpoint, scope, **({"year_from": 2018} if query else {}))
        assert expected or endpoint in MAY_BE_EMPTY, endpoint
        same(every_row(url, f"/api/v1/{endpoint}{query}", token), expected, key)
    # A filter as the page sets it: programmes of one kind, equipment of one category.
    kind = page_rows(store, "programmes", scope)[0]["kind"]
    same(every_row(url, f"/api/v1/programmes?kind={kind}", token),
         page_rows(store, "programmes", scope, kinds=[kind]), "item_id")
    with_events = programme_with_events(store, scope)
    expected = page_rows(store, "events", scope, programme=with_events)
    assert expected
    same(every_row(url, f"/api/v1/events?programme={with_events}", token), expected, "title")
    # The busiest site's monthly cases, row by row; a partner's pages show none of another institution's.
    institution = busiest_site(store)
    expected = page_rows(store, "procedures", scope, institution=institution)
    assert bool(expected) == (scope.institution_id is None)
    same(every_row(url, f"/api/v1/procedures?institution={institution}", token), expected, "month")
    # The Impact page's other figures at that site: the reference events, technique shares, before and after.
    for endpoint, key in (("impact_milestones", "key"), ("technique_shares", "quarter")):
        expected = page_rows(store, endpoint, scope, institution=institution)
        assert bool(expected) == (scope.institution_id is None), endpoint
        same(every_row(url, f"/api/v1/{endpoint}?institution={institution}", token), expected, key)
    reference = next(row for row in page_rows(store, "impact_milestones", ROLES["ministry"][1], institution=institution)
                     if row["is_default"])
    given = {"institution": institution, "reference_lane": reference["lane"], "reference_id": reference["item_id"]}
    expected = page_rows(store, "before_after", scope, **given)
    assert bool(sum(row["cases"] for row in expected)) == (scope.institution_id is None)  # every side has a row
    same(every_row(url, "/api/v1/before_after?" + "&".join(f"{k}={v}" for k, v in given.items()), token), expected,
         "side")
    # The Partner hospitals page's profile and counterparts of an institution the role sees (a partner: its own).
    partner_site = scope.institution_id or "MNG-NCTD"
    for endpoint, key in (("partner_profile", "institution_id"), ("partner_counterparts", "counterpart_id")):
        expected = page_rows(store, endpoint, scope, institution=partner_site)
        assert expected, endpoint
        same(every_row(url, f"/api/v1/{endpoint}?institution={partner_site}", token), expected, key)
    expected = page_rows(store, "flows", scope)
    assert expected
    same(every_row(url, "/api/v1/flows", token), expected, "home_id")
    programme = one_programme(store, scope)
    for endpoint, visible in (("participants", scope.names_visible), ("costs", scope.costs_visible)):
        status, _, body = call(url, f"/api/v1/{endpoint}?programme={programme}", token)
        if visible:
            assert status == 200
            expected = page_rows(store, endpoint, scope, programme=programme)
            assert expected, endpoint
            same(every_row(url, f"/api/v1/{endpoint}?programme={programme}", token), expected, next(iter(expected[0])))
        else:
            assert status == 403 and json.loads(body)["error"] == f"{'names' if endpoint == 'participants' else 'costs'}_not_shown"
    status, _, body = call(url, f"/api/v1/follow_ups?programme={programme}", token)  # the seed records none
    assert (status, json.loads(body).get("data")) == ((200, []) if scope.names_visible else (403, None))


def test_anonymous_callers_get_no_names_and_no_costs(served):
    url, _, store = served
    for row in every_row(url, "/api/v1/programmes", None):
        assert row["cost_amount"] is None and row["converted"] is None and row["converted_total"] is None
    for row in every_row(url, "/api/v1/equipment", None):
        assert row["amount"] is None and row["converted"] is None
    ministry = page_rows(store, "equipment", db.Scope(role="ministry"))
    assert any(row["amount"] is not None for row in ministry)  # the seed has costs the anonymous do not get


def test_a_partner_sees_only_its_collaborations(served, role_tokens):
    url, _, store = served
    partner = {r["item_id"] for r in every_row(url, "/api/v1/programmes", role_tokens["partner"])}
    ministry = {r["item_id"] for r in every_row(url, "/api/v1/programmes", role_tokens["ministry"])}
    assert partner and partner < ministry


@pytest.mark.parametrize("header", ["Bearer pt_not-a-token", "Bearer nonsense", "Basic abc", "Bearer "])
def test_a_wrong_token_gets_401_and_no_data(served, header):
    url, _, _ = served
    request = urllib.request.Request(url + "/api/v1/programmes", headers={"Authorization": header,
                                                                         "X-Forwarded-For": next(addresses)})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401 and refused.value.headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(refused.value.read())["error"] == "invalid_token"


def test_revoked_and_expired_tokens_get_401(served):
    url, accounts, _ = served
    token = tokens.create(accounts, "official@moh.example", "to revoke", 1)
    assert call(url, "/api/v1/programmes?limit=1", token)[0] == 200
    (listed,) = [t for t in tokens.listed(accounts, "official@moh.example") if t["name"] == "to revoke"]
    assert listed["last_used_at"] is not None
    assert tokens.revoke(accounts, "official@moh.example", listed["token_id"])
    status, _, body = call(url, "/api/v1/programmes?limit=1", token)
    assert status == 401 and json.loads(body)["error"] == "invalid_token" and b"data" not in body
    expired = tokens.create(accounts, "official@moh.example", "to expire", 1)
    with auth._connect(accounts) as connection:
        connection.execute("UPDATE api_tokens SET expires_at = ? WHERE name = 'to expire'", (time.time() - 1,))
    status, _, body = call(url, "/api/v1/programmes?limit=1", expired)
    assert status == 401 and b"data" not in body


def test_only_reading_is_allowed(served, role_tokens):
    """Any other method than GET is refused with 405 and the API's JSON error, as every error is."""
    url, _, _ = served
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/api/v1/programmes", "/api/v1/no-such-list"):
            status, headers, body = call(url, path, role_tokens["administrator"], method=method)
            assert (status, json.loads(body)["error"], headers["Allow"]) == (405, "method_not_allowed", "GET, HEAD")


def test_rate_limits_per_token_and_per_address_answer_429_with_retry_after(served):
    url, accounts, _ = served
    token = tokens.create(accounts, "official@moh.example", "rate", 1)
    answers = [call(url, "/api/v1/institutions?limit=1", token) for _ in range(TOKEN_LIMIT + 1)]  # new address each
    assert [a[0] for a in answers] == [200] * TOKEN_LIMIT + [429]
    assert json.loads(answers[-1][2])["error"] == "rate_limited" and 0 < int(answers[-1][1]["Retry-After"]) <= 60
    address = next(addresses)
    answers = [call(url, "/api/v1/openapi.json", None, address=address)[0] for _ in range(3)]
    answers += [call(url, "/api/v1/institutions?limit=1", None, address=address)[0] for _ in range(ADDRESS_LIMIT + 1)]
    assert answers[:3 + ADDRESS_LIMIT] == [200] * (3 + ADDRESS_LIMIT) and answers[-1] == 429


def test_formats_csv_and_parquet_hold_the_same_page(served):
    url, _, _ = served
    rows = json.loads(call(url, "/api/v1/equipment?limit=5")[2])["data"]
    status, headers, body = call(url, "/api/v1/equipment?limit=5&format=csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 6 and lines[0].split(",")[1] == "item_id"
    assert [line.split(",")[1] for line in lines[1:]] == [r["item_id"] for r in rows]
    status, _, body = call(url, "/api/v1/equipment?limit=5&format=parquet")
    assert pq.read_table(io.BytesIO(body)).column("item_id").to_pylist() == [r["item_id"] for r in rows]


def test_bad_parameters_are_named(served):
    url, _, _ = served
    for path, code in (("/api/v1/programmes?limit=100000", "bad_parameter"),
                       ("/api/v1/programmes?colour=red", "unknown_parameter"),
                       ("/api/v1/events", "missing_parameter"), ("/api/v1/nothing", "not_found")):
        status, _, body = call(url, path)
        assert status in (400, 404) and json.loads(body)["error"] == code, path


def json_type(value: object) -> str:
    """The JSON Schema type of a value JSON decoded."""
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            type(None): "null"}[type(value)]


def test_the_openapi_document_lists_every_endpoint_with_its_columns_and_parameters(served):
    url, accounts, store = served
    token = tokens.create(accounts, "admin@example.org", "openapi", 1)  # its own: the role tests use up theirs
    status, _, body = call(url, "/api/v1/openapi.json")
    document = json.loads(body)
    assert status == 200 and document["openapi"].startswith("3.")
    assert set(document["paths"]) == {f"/api/v1/{name}" for name in api.ENDPOINTS}
    ministry = ROLES["ministry"][1]
    institution = busiest_site(store)
    reference = next(r for r in page_rows(store, "impact_milestones", ministry, institution=institution)
                     if r["is_default"])
    required = {"institution": institution, "reference_lane": reference["lane"], "reference_id": reference["item_id"]}
    for name in api.ENDPOINTS:
        if "programme" in api.ENDPOINTS[name].required:
            required["programme"] = programme_with_events(store, ministry, name)
        operation = document["paths"][f"/api/v1/{name}"]["get"]
        items = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]["items"]
        columns = document["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]["properties"]
        given = {p["name"]: required[p["name"]] for p in operation["parameters"] if p.get("required")}
        status, _, body = call(url, f"/api/v1/{name}?" + "&".join(f"{k}={v}" for k, v in given.items()) + "&limit=5",
                               token)
        rows = json.loads(body)["data"]
        assert status == 200 and rows, name
        for row in rows:
            assert list(row) == list(columns), name  # every column described, in the answer's order
            for column, value in row.items():
                declared, found = columns[column]["type"][0], json_type(value)
                assert found in (declared, "null") or (declared, found) == ("number", "integer"), (name, column)
        # Every documented parameter is one the endpoint takes (an unknown one is refused by name).
        for parameter in operation["parameters"]:
            status, _, body = call(url, f"/api/v1/{name}?{parameter['name']}=x")
            assert json.loads(body).get("error") != "unknown_parameter", (name, parameter["name"])
    assert call(url, "/")[0] == 200  # the browser app keeps its address


@pytest.mark.parametrize("role", ["anonymous", "ministry"])
def test_retention_figures_are_numbers_and_suppressed_ones_are_named(served, role_tokens, role):
    """Counts are integers, shares fractions from 0 to 1; a null count is always a suppressed one (counts are
    never missing), and only a caller without names has any."""
    url, _, _ = served
    rows = every_row(url, "/api/v1/retention?cohort_by=host", role_tokens.get(role))
    assert rows
    for row in rows:
        assert all(type(row[f]) is int or (row[f] is None and f in row["suppressed"]) for f in FIGURES), row
        assert all(row[s] is None or 0 <= row[s] <= 1 for s in SHARES), row
        assert type(row["cases_reported"]) is int or row["cases_reported"] is None, row
        assert set(row["suppressed"]) <= {*FIGURES, *SHARES, "cases_reported"}, row
    assert any(row["suppressed"] for row in rows) == (role == "anonymous")


def test_institutions_lists_every_visible_one_with_website_and_ror_id_the_map_only_those_with_coordinates(
        served, role_tokens):
    url, _, store = served
    listed = {row["institution_id"]: row for row in every_row(url, "/api/v1/institutions", None)}
    on_map = {row["institution_id"] for row in every_row(url, "/api/v1/institutions_on_map", None)}
    assert set(listed) - on_map == {UNMAPPED["institution_id"]}
    assert {k: listed[UNMAPPED["institution_id"]][k] for k in ("website", "ror_id", "latitude")} == {
        "website": UNMAPPED["website"], "ror_id": UNMAPPED["ror_id"], "latitude": None}
    everyone = store.read("institution_list", db.Scope(role="ministry"), limit=10**6, include_illustrative=True,
                          reporting_currency="USD")
    assert set(listed) == set(everyone["institution_id"])  # the anonymous see every institution, no more
    partner = {row["institution_id"] for row in every_row(url, "/api/v1/institutions", role_tokens["partner"])}
    assert "MNG-NCTD" in partner and UNMAPPED["institution_id"] not in partner and partner < set(listed)


def test_csv_and_json_answers_are_streamed_in_chunks_not_sized_whole(served):
    url, _, _ = served
    for format_ in ("csv", "json"):
        status, headers, body = call(url, f"/api/v1/programmes?limit={api.MAX_PAGE}&format={format_}")
        assert status == 200 and headers["Transfer-Encoding"] == "chunked" and headers["Content-Length"] is None
        assert len(body) > 10_000, format_  # a whole page of programmes arrived, chunk after chunk
    status, headers, _ = call(url, "/api/v1/programmes?limit=5&format=parquet")
    assert status == 200 and int(headers["Content-Length"]) > 0  # Parquet is built whole (one page at most)
