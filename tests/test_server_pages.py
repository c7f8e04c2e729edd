"""The assist and review pages in headless Chromium (the system's package), against a running server.

Skipped when Chromium is not installed; ``.ci/run`` installs it (Debian: chromium).
``REPLYKIT_SCREENSHOTS=docs pytest tests/test_server_pages.py`` refreshes the README's screenshots.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason='the page tests need the server extra: pip install -e ".[test,server]"')
sync_api = pytest.importorskip("playwright.sync_api", reason="the page tests need playwright (the test extra)")

from served import TOKEN, Server, copy_catalogue, free_port, serve  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="headless Chromium is not installed (apt-get install chromium)"
)
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
expect = sync_api.expect


@pytest.fixture(scope="module")
def helpdesk_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("helpdesk")


@pytest.fixture(scope="module")
def helpdesk(helpdesk_folder: Path) -> Iterator[str]:
    """A stand-in helpdesk on its own origin: a page that frames the assist page, and a
    frame of yet another origin (``localhost`` instead of ``127.0.0.1``) that also posts to it."""
    folder = helpdesk_folder
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    (folder / "evil.html").write_text("<!doctype html><title>another site</title><p>another site</p>")
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, helpdesk: str) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served-pages")
    catalog = copy_catalogue(root / "catalog")
    with serve(catalog, root / "server.log", "--helpdesk-origin", helpdesk) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def screenshot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("REPLYKIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=False)
    assert (folder / name).stat().st_size > 10_000


def test_assist_spanish_message_edit_and_copy(page: Any, server: Server, tmp_path: Path) -> None:
    page.goto(server.url + "/assist")
    page.select_option("#channel", "email")
    page.fill("#customer", "María García")
    page.fill("#hint-country", "MX")
    page.fill("#message", "Hola, mi pedido A-10293 llegó roto, la lámpara está rota. ¿Qué puedo hacer?")
    expect(page.locator("#detection")).to_contain_text("Spanish")
    expect(page.locator("#detection")).to_contain_text("es-MX")
    expect(page.locator("#suggestions li").first).to_contain_text("after_sale.damaged_item")
    body = page.locator("#body")
    expect(body).to_contain_text("María")
    assert body.get_attribute("lang") == "es-MX"
    order = page.locator("#value-order_id")
    expect(order).to_have_class("example")
    screenshot(page, "assist.png", tmp_path)

    order.fill("B-777")
    expect(body).to_contain_text("B-777")
    expect(order).not_to_have_class("example")

    page.click("#copy")
    expect(page.locator("#copied")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "B-777" in copied and copied.endswith(body.inner_text().strip()[-20:])
    assert page.dialogs == []


def test_assist_shows_hostile_text_as_text(page: Any, server: Server) -> None:
    page.goto(server.url + "/assist")
    page.select_option("#channel", "email")
    hostile_name = '"><img src=x onerror=alert(1)>'
    page.fill("#customer", hostile_name)
    page.fill("#message", "<script>alert(1)</script> 今天天气怎么样")
    expect(page.locator("#no-match")).to_be_visible()  # nothing fits: the page says so
    page.fill(
        "#message", "<script>alert(2)</script> hola, mi pedido llegó roto, la lámpara está rota javascript:alert(3)"
    )
    damaged = page.locator("#suggestions button[data-key='after_sale.damaged_item']")
    expect(damaged).to_be_visible()
    damaged.click()
    expect(page.locator("#body")).to_contain_text(hostile_name)
    page.fill("#value-order_id", "<script>alert(4)</script>")
    expect(page.locator("#body")).to_contain_text("<script>alert(4)</script>")
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.dialogs == []


def chatwoot_context(name: str, message: str, locale: str) -> str:
    """What Chatwoot posts to a Dashboard App: the conversation, the contact, the agent."""
    return json.dumps({
        "event": "appContext",
        "data": {
            "conversation": {
                "id": 7,
                "messages": [
                    {"id": 1, "content": "Hello!", "message_type": 1, "private": False},
                    {"id": 2, "content": message, "message_type": 0, "private": False},
                    {"id": 3, "content": "internal note", "message_type": 1, "private": True},
                ],
                "custom_attributes": {"order_id": "CW-4242"},
                "additional_attributes": {"browser_language": locale},
            },
            "contact": {"id": 3, "name": name, "additional_attributes": {"country_code": "MX"}},
            "currentAgent": {"id": 1, "name": "Lucía", "email": "lucia@example.com"},
        },
    })  # fmt: skip


def test_assist_as_a_chatwoot_dashboard_app(page: Any, server: Server, helpdesk: str, helpdesk_folder: Path) -> None:
    page.add_init_script("window.addEventListener('message', e => (window.__asked ||= []).push(e.data))")
    folder_page = f"""<!doctype html><title>helpdesk</title>
        <iframe id="app" src="{server.url}/assist" width="1200" height="800"></iframe>
        <iframe id="other" src="{helpdesk.replace("127.0.0.1", "localhost")}/evil.html"></iframe>"""
    (helpdesk_folder / "conversation.html").write_text(folder_page, "utf-8")
    page.goto(helpdesk + "/conversation.html")
    page.wait_for_function("(window.__asked || []).includes('chatwoot-dashboard-app:fetch-info')")
    app = page.frame_locator("#app")
    expect(app.locator("#message")).to_be_visible()
    assist = next(f for f in page.frames if f.url.startswith(server.url))
    assist.select_option("#channel", "email")
    other = next(f for f in page.frames if "evil.html" in f.url)

    # Another site's frame posts a conversation: it is ignored.
    assist.evaluate(
        "() => { window.__seen = new Promise(r => addEventListener('message', () => setTimeout(r), {once: true})); }"
    )
    other.evaluate("ctx => parent.frames[0].postMessage(ctx, '*')", chatwoot_context("Mallory", "I am evil", "en"))
    assist.evaluate("window.__seen")
    assert assist.input_value("#customer") == "" and assist.input_value("#message") == ""

    # The helpdesk posts the open conversation: name, language and message are filled in.
    context = chatwoot_context("María García", "Hola, ¿cuándo llega mi paquete? Ya pasaron dos semanas.", "es-MX")
    page.evaluate("ctx => document.getElementById('app').contentWindow.postMessage(ctx, '*')", context)
    expect(app.locator("#customer")).to_have_value("María García")
    expect(app.locator("#hint-locale")).to_have_value("es-MX")
    expect(app.locator("#message")).to_have_value("Hola, ¿cuándo llega mi paquete? Ya pasaron dos semanas.")
    expect(app.locator("#detection")).to_contain_text("Spanish")
    expect(app.locator("#body")).to_contain_text("María")
    expect(app.locator("#body")).to_have_attribute("lang", "es-MX")


def test_review_all_locales_a_finding_and_a_flag(page: Any, server: Server, tmp_path: Path) -> None:
    page.goto(server.url + "/review#token=" + TOKEN)
    expect(page.locator("#summary")).to_contain_text("finding")
    assert "token" not in page.url  # the token leaves the address bar (and the history)
    page.select_option("#filter-finding", "shouting")
    keys = page.locator("details.key")
    expect(keys).to_have_count(1)
    key = keys.first
    key.locator("summary").click()
    locales = sorted(p.stem for p in (server.catalog / "locales").glob("*.yaml"))
    rows = key.locator("tr[data-locale]")
    expect(rows).to_have_count(len(locales))
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.locale)")) == locales
    expect(key.locator("td.cell[data-locale='zh-TW'][data-channel='chat'] pre")).not_to_be_empty()
    finding = key.locator(".finding[data-code='shouting']")
    expect(finding).to_contain_text("templates/es/customs.yaml:")
    expect(key.locator(".source-lang[data-language='es'] pre").first).to_be_visible()
    screenshot(page, "review.png", tmp_path)

    cell = key.locator("td.cell[data-locale='es-MX'][data-channel='chat']")
    cell.locator(".flag-open").click()
    cell.locator(".flag-comment").fill("«LOS PEDIDOS ENVIADOS» shouts; write it in normal case")
    cell.locator(".flag-save").click()
    expect(cell.locator(".note")).to_contain_text("Flagged (reviews.yaml:")
    text = (server.catalog / "reviews.yaml").read_text("utf-8")
    assert "«LOS PEDIDOS ENVIADOS» shouts" in text and "locale: es-MX" in text and "channel: chat" in text
