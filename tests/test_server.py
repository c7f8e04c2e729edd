"""The HTTP API of ``replykit serve``, against the real server process with a real client."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason='the server tests need the server extra: pip install -e ".[test,server]"')
import httpx

from served import TOKEN, Server, copy_catalogue, serve

PROBLEM = "application/problem+json"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

BROKEN_ENTRY = """
customs.broken_entry:
  title: Broken
  variables:
    country: {type: nonsense, example: Mexico}
  chat: "Duties may apply in {{ country }}."
"""


BROKEN_TRANSLATION = """
customs.broken_entry:
  title: Roto
  chat: "Puede haber aranceles en {{ country }}."
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    catalog = copy_catalogue(root / "catalog")
    with (catalog / "templates" / "en" / "customs.yaml").open("a", encoding="utf-8") as out:
        out.write(BROKEN_ENTRY)
    with (catalog / "templates" / "es" / "customs.yaml").open("a", encoding="utf-8") as out:
        out.write(BROKEN_TRANSLATION)
    with serve(catalog, root / "server.log") as running:
        yield running


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    """The response's problem details, checked for the shape every problem has."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("urn:replykit:problem:")
    assert {"title", "detail", "what", "where", "how_to_fix"} <= body.keys()
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body  # type: ignore[no-any-return]


# -- service ---------------------------------------------------------------------------


def test_health_and_json_access_log(server: Server, client: httpx.Client) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["keys"] > 30
    client.post("/v1/detect", json={"text": "hola, mi pedido no llega"})
    detect: list[dict[str, object]] = []
    for _ in range(100):  # the line is written just after the answer is sent
        lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
        detect = [line for line in lines if line["path"] == "/v1/detect"]
        if detect:
            break
        time.sleep(0.05)
    assert detect and detect[-1]["method"] == "POST" and detect[-1]["status"] == 200
    assert "mi pedido" not in server.log.read_text()  # customer text is never logged


def test_openapi_lists_every_path_with_body_schemas(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/v1/templates", "get"),
        ("/v1/templates/{key}", "get"),
        ("/v1/render", "post"),
        ("/v1/reply", "post"),
        ("/v1/suggest", "post"),
        ("/v1/detect", "post"),
        ("/v1/lint", "get"),
        ("/v1/coverage", "get"),
        ("/v1/batch", "post"),
        ("/v1/reviews", "post"),
        ("/v1/reload", "post"),
        ("/healthz", "get"),
        ("/assist", "get"),
        ("/review", "get"),
    ]:
        assert method in paths.get(path, {}), path
    components = schema["components"]["schemas"]
    for path, fields in [
        ("/v1/render", {"key", "locale", "channel", "values", "formality", "opening"}),
        ("/v1/reply", {"message", "values", "hints", "key"}),
        ("/v1/suggest", {"message", "limit"}),
        ("/v1/detect", {"text", "hints"}),
        ("/v1/reviews", {"key", "locale", "channel", "comment"}),
    ]:
        ref = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert fields <= components[ref.rsplit("/", 1)[1]]["properties"].keys(), path
    assert "application/x-ndjson" in paths["/v1/batch"]["post"]["requestBody"]["content"]


# -- templates -------------------------------------------------------------------------


def test_templates_list_filter_and_one(client: httpx.Client) -> None:
    customs = client.get("/v1/templates", params={"group": "customs"}).json()
    assert customs and all(row["group"] == "customs" for row in customs)
    assert {"en", "es", "zh"} <= set(next(r for r in customs if r["key"] == "customs.import_tax")["languages"])
    one = client.get("/v1/templates/customs.import_tax").json()
    assert one["variables"]["country"]["type"] == "string"
    assert one["examples"]["country"]
    assert {"es-MX", "zh-TW", "en-US"} <= set(one["locales"])
    assert one["languages"]["es"]["file"] == "templates/es/customs.yaml"
    assert "{{ country }}" in one["languages"]["es"]["texts"]["chat.body"]


def test_unknown_group_and_key_say_did_you_mean(client: httpx.Client) -> None:
    body = problem(client.get("/v1/templates", params={"group": "custom"}), 404)
    assert "customs" in str(body["how_to_fix"])
    body = problem(client.get("/v1/templates/customs.import_tx"), 404)
    assert body["suggestions"][0] == "customs.import_tax"  # type: ignore[index]
    assert "did you mean 'customs.import_tax'" in str(body["how_to_fix"])


# -- render ----------------------------------------------------------------------------


def test_render_in_the_customers_locale(client: httpx.Client) -> None:
    reply = client.post(
        "/v1/render",
        json={
            "key": "customs.import_tax",
            "locale": "es-MX",
            "channel": "email",
            "values": {"customer": {"first_name": "María", "last_name": "García", "gender": "female"}},
            "examples": True,
        },
    ).json()
    assert reply["locale"] == "es-MX" and reply["requested_locale"] == "es-MX" and not reply["fell_back"]
    assert reply["body"].startswith("Estimada María:")
    assert reply["subject"]
    assert "customer" not in reply["example_values"] and "country" in reply["example_values"]


def test_render_falls_back_and_says_so(client: httpx.Client) -> None:
    reply = client.post("/v1/render", json={"key": "pre_sale.welcome", "locale": "de-DE", "examples": True}).json()
    assert reply["requested_locale"] == "de-DE" and reply["locale"] == "en-US" and reply["fell_back"]


def test_customer_values_stay_text(client: httpx.Client) -> None:
    hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    reply = client.post(
        "/v1/render",
        json={"key": "customs.import_tax", "locale": "en-US", "channel": "chat", "opening": True,
              "values": {"customer": {"name": hostile}, "country": "{{ 7*7 }}"}, "examples": True},
    ).json()  # fmt: skip
    assert hostile in reply["body"] and "{{ 7*7 }}" in reply["body"]


def test_unknown_variable_missing_and_bad_values(client: httpx.Client) -> None:
    body = problem(
        client.post("/v1/render", json={"key": "customs.import_tax", "values": {"contry": "Mexico"}, "examples": True}),
        422,
    )
    assert body["where"]["variable"] == "contry"  # type: ignore[index]
    assert body["how_to_fix"] == "did you mean 'country'?"
    body = problem(client.post("/v1/render", json={"key": "customs.import_tax", "values": {}}), 422)
    variables = {e["where"]["variable"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert {"customer", "country"} <= variables
    assert all(e["how_to_fix"] for e in body["errors"])  # type: ignore[attr-defined]
    body = problem(
        client.post(
            "/v1/render",
            json={"key": "after_sale.refund_processed", "examples": True,
                  "values": {"amount": {"amount": 12.345, "currency": "USD"}}},
        ),
        422,
    )  # fmt: skip
    assert body["where"]["variable"] == "amount"  # type: ignore[index]
    body = problem(client.post("/v1/render", json={"key": "customs.import_tax", "locale": "xx-!!"}), 422)
    assert body["type"] == "urn:replykit:problem:invalid-locale"


def test_requests_that_do_not_fit_the_schema(client: httpx.Client) -> None:
    body = problem(client.post("/v1/render", json={"key": "customs.import_tax", "channel": "fax"}), 422)
    assert body["where"] == {"field": "body.channel"}
    body = problem(client.post("/v1/render", json={"locale": "es"}), 422)
    assert body["where"] == {"field": "body.key"}
    body = problem(client.post("/v1/render", json={"key": "customs.import_tax", "colour": "red"}), 422)
    assert body["where"] == {"field": "body.colour"}
    problem(client.post("/v1/render", content=b"{not json", headers={"content-type": "application/json"}), 422)
    problem(client.get("/v1/nothing-here"), 404)


def test_oversize_bodies_are_refused(client: httpx.Client) -> None:
    huge = {"key": "customs.import_tax", "values": {"country": "x" * (1024 * 1024 + 10)}}
    body = problem(client.post("/v1/render", json=huge), 413)
    assert "1,048,576" in str(body["what"])

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"message": "'
        for _ in range(1100):
            yield b"a" * 1024
        yield b'"}'

    problem(client.post("/v1/suggest", content=chunks(), headers={"content-type": "application/json"}), 413)


def test_a_broken_catalogue_entry_is_named_with_file_and_line(client: httpx.Client) -> None:
    body = problem(client.get("/v1/templates/customs.broken_entry"), 500)
    assert body["type"] == "urn:replykit:problem:catalogue-error"
    where = body["where"]
    assert where["file"] == "templates/en/customs.yaml" and where["line"] > 100  # type: ignore[index,operator]
    assert "needs a type, one of: string" in str(body["what"]) and "reload" in str(body["how_to_fix"])
    assert client.get("/healthz").status_code == 200  # the rest keeps working


# -- reply, suggest, detect -----------------------------------------------------------------


def test_reply_detects_suggests_and_renders(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/reply",
        json={"message": "hola, ¿ya enviaron mi pedido #A1029?", "hints": {"country": "MX"},
              "values": {"customer": {"name": "Ana"}, "ticket_id": "ignored: no template declares it"}},
    ).json()  # fmt: skip
    assert answer["detection"]["language"] == "es" and answer["detection"]["supported"]
    assert answer["suggestions"][0]["key"] == "mid_sale.shipped" and answer["match"] == "best"
    assert answer["reply"]["locale"] == "es-MX" and answer["reply"]["key"] == "mid_sale.shipped"
    assert "order_id" in answer["reply"]["example_values"] and "customer" not in answer["reply"]["example_values"]
    chosen = client.post("/v1/reply", json={"message": "hola", "key": "pre_sale.welcome"}).json()
    assert chosen["match"] == "chosen" and chosen["reply"]["key"] == "pre_sale.welcome"


def test_reply_says_when_nothing_fits(client: httpx.Client) -> None:
    answer = client.post("/v1/reply", json={"message": "zzz qqq xxyzzy"}).json()
    assert answer["match"] == "none" and answer["key"] is None and answer["reply"] is None
    assert not any(s["fits"] for s in answer["suggestions"])


def test_suggest_and_detect(client: httpx.Client) -> None:
    found = client.post("/v1/suggest", json={"message": "wher is my refund", "limit": 2}).json()
    assert len(found) == 2 and found[0]["key"] == "after_sale.refund_processed" and found[0]["fits"]
    detected = client.post("/v1/detect", json={"text": "請問有現貨嗎"}).json()
    assert detected["language"] == "zh" and detected["script"] == "Hant"
    hinted = client.post("/v1/detect", json={"text": "hola", "hints": {"locale": "es-MX"}}).json()
    assert hinted["locale"] == "es-MX"
    problem(client.post("/v1/suggest", json={"message": "x", "limit": 0}), 422)


# -- lint and coverage -------------------------------------------------------------------


def test_lint_and_coverage(client: httpx.Client) -> None:
    report = client.get("/v1/lint", params={"select": "shouting"}).json()
    (finding,) = report["findings"]
    assert finding["key"] == "customs.import_tax" and finding["file"] == "templates/es/customs.yaml"
    assert finding["line"] > 1 and report["warnings"] == 1
    body = problem(client.get("/v1/lint", params={"select": "shoutin"}), 422)
    assert "did you mean 'shouting'" in str(body["how_to_fix"])
    rows = {row["language"]: row for row in client.get("/v1/coverage").json()}
    assert rows["es"]["total"] > 30 and 0 <= rows["es"]["percent"] <= 100


# -- batch -----------------------------------------------------------------------------


def test_batch_one_line_out_per_line_in(client: httpx.Client) -> None:
    rows = [
        {"id": 1, "locale": "es-MX", "customer": {"name": "Ana"}, "country": "México", "order_id": "A-1",
         "rates_url": "https://example.com/tasas"},
        "{this is not json",
        {"id": 3, "locale": "en-US"},
    ]  # fmt: skip
    body = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"
    response = client.post(
        "/v1/batch",
        params={"key": "customs.import_tax", "locale_field": "locale", "channel": "chat", "keep": "id"},
        content=body.encode(),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["row"] for line in lines] == [1, 2, 3]
    assert lines[0]["locale"] == "es-MX" and "México" in lines[0]["body"] and lines[0]["input"] == {"id": 1}
    assert "not valid JSON" in lines[1]["error"]
    assert "missing variable" in lines[2]["error"] and lines[2]["input"] == {"id": 3}


def test_batch_bounds_and_options(client: httpx.Client) -> None:
    many = b'{"id": 1}\n' * 10_001
    body = problem(client.post("/v1/batch", params={"key": "pre_sale.welcome"}, content=many), 413)
    assert "10,000" in str(body["how_to_fix"])
    body = problem(client.post("/v1/batch", content=b'{"id": 1}\n'), 422)
    assert "key" in str(body["detail"])


# -- writing: review flags and reload ------------------------------------------------------


def test_writes_need_the_token(server: Server, client: httpx.Client) -> None:
    flag = {"key": "customs.import_tax", "locale": "es-MX", "channel": "chat", "comment": "«aranceles» reads odd"}
    problem(client.post("/v1/reviews", json=flag), 401)
    problem(client.post("/v1/reviews", json=flag, headers={"Authorization": "Bearer wrong"}), 401)
    problem(client.post("/v1/reload"), 401)
    assert not (server.catalog / "reviews.yaml").exists()
    saved = client.post("/v1/reviews", json=flag, headers=AUTH)
    assert saved.status_code == 201 and saved.json()["comment"] == flag["comment"]
    text = (server.catalog / "reviews.yaml").read_text("utf-8")
    assert "«aranceles» reads odd" in text and "key: customs.import_tax" in text
    assert client.get("/v1/reviews").json()[-1]["locale"] == "es-MX"
    found = client.get("/v1/lint", params={"select": "review-flag"}).json()["findings"]
    assert found[-1]["file"] == "reviews.yaml" and "reads odd" in found[-1]["message"]


def test_no_key_or_locale_reaches_a_file_path(server: Server, client: httpx.Client) -> None:
    for key, locale in [
        ("../../etc/passwd", "es"),
        ("customs.import_tax", "../../../tmp/x"),
        ("customs.import_tax", "de-DE"),
    ]:
        flag = {"key": key, "locale": locale, "comment": "x"}
        response = client.post("/v1/reviews", json=flag, headers=AUTH)
        assert response.status_code in (404, 422), response.text
    problem(client.get("/v1/templates/..%2F..%2Fetc%2Fpasswd"), 404)
    problem(client.post("/v1/render", json={"key": "customs.import_tax", "locale": "../../etc/passwd"}), 422)
    assert (not list(server.catalog.parent.glob("x*")) and not (server.catalog / "reviews.yaml").exists()) or all(
        "passwd" not in line for line in (server.catalog / "reviews.yaml").read_text().splitlines()
    )


def test_reload_picks_up_a_changed_catalogue(server: Server, client: httpx.Client) -> None:
    before = client.get("/healthz").json()
    path = server.catalog / "templates" / "en" / "pre_sale.yaml"
    path.write_text(
        path.read_text("utf-8") + '\npre_sale.reload_probe:\n  title: Probe\n  chat: "Hello again."\n', "utf-8"
    )
    answer = client.post("/v1/reload", headers=AUTH)
    assert answer.status_code == 200 and answer.json()["generation"] == before["generation"] + 1
    reply = client.post("/v1/render", json={"key": "pre_sale.reload_probe", "channel": "chat"}).json()
    assert reply["body"] == "Hello again."


# -- pages and headers -----------------------------------------------------------------------


def test_pages_have_a_strict_csp_and_no_inline_script(client: httpx.Client) -> None:
    for page in ("/assist", "/review"):
        response = client.get(page)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
        assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
        assert (
            " on"
            not in re.sub(r"<script.*?</script>", "", response.text, flags=re.S)
            .lower()
            .replace(" only", "")
            .split("<main>")[0]
        )
    for asset in ("app.css", "common.js", "assist.js", "review.js"):
        assert client.get(f"/static/{asset}").status_code == 200
    assert "set-cookie" not in client.get("/assist").headers


def test_serve_refuses_another_address_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYKIT_")}
    result = subprocess.run(
        [sys.executable, "-m", "replykit", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr and "REPLYKIT_TOKEN" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "replykit", "serve", "--helpdesk-origin", "https://chat.example.com/app/x"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "is not an origin" in result.stderr
