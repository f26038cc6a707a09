"""The web chat's aiohttp app: page, static files, config.json and health, without a browser."""

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from connectors.webchat import app as webchat

RASA = "http://127.0.0.1:5005"


def get(path, app=None, **headers):
    """GET `path` from a fresh app; returns (status, headers, body bytes)."""

    async def run():
        async with TestClient(TestServer(app or webchat.init(RASA))) as client:
            # encoded=True sends the path as written, so `..` reaches the server unnormalised.
            response = await client.get(URL(path, encoded=True), headers=headers)
            return response.status, response.headers, await response.read()

    return asyncio.run(run())


@pytest.fixture
def socketio_js(tmp_path, monkeypatch):
    """A stand-in for the npm-installed client, so these tests don't need `npm ci`."""
    path = tmp_path / "socket.io.min.js"
    path.write_text("/* socket.io client */")
    monkeypatch.setattr(webchat, "SOCKETIO_JS", path)
    return path


def test_config_tells_the_page_where_rasa_is():
    status, headers, body = get("/config.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    config = json.loads(body)
    assert config["socketUrl"] == RASA
    assert config["socketPath"] == "/socket.io"
    assert config["transports"] == ["websocket"]
    assert (config["userMessageEvent"], config["botMessageEvent"]) == ("user_uttered", "bot_uttered")
    assert config["storeName"] == {"en": "Tidepool Outfitters", "zh": "潮汐户外"}  # from store.yml
    assert config["currency"] == "USD"
    assert config["maxLength"] == 1000


def test_config_uses_the_store_name_given():
    _, _, body = get("/config.json", app=webchat.init(RASA + "/", store_name="Demo Shop"))
    config = json.loads(body)
    assert config["storeName"]["en"] == "Demo Shop"
    assert config["socketUrl"] == RASA  # trailing slash dropped


def test_a_forged_host_header_changes_neither_the_socket_url_nor_the_csp():
    _, _, body = get("/config.json", Host="evil.example")
    assert json.loads(body)["socketUrl"] == RASA.rstrip("/")
    _, headers, _ = get("/", Host="evil.example:8080")
    assert "evil.example" not in headers["Content-Security-Policy"]


def test_the_public_rasa_url_comes_from_configuration():
    app = webchat.init(RASA, public_rasa_url="https://chat.shop.example/")
    _, _, body = get("/config.json", app=app, Host="evil.example")
    assert json.loads(body)["socketUrl"] == "https://chat.shop.example"
    _, headers, _ = get("/", app=webchat.init(RASA, public_rasa_url="https://chat.shop.example"))
    assert "wss://chat.shop.example" in headers["Content-Security-Policy"]


def test_health_reports_the_socketio_client(socketio_js, monkeypatch, tmp_path):
    status, _, body = get("/health")
    assert status == 200 and json.loads(body) == {"status": "ok", "socketio_client": True}

    monkeypatch.setattr(webchat, "SOCKETIO_JS", tmp_path / "missing.js")
    status, _, body = get("/health")
    assert status == 503 and json.loads(body)["socketio_client"] is False


def test_index_is_the_chat_page_with_a_strict_csp():
    status, headers, body = get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert 'src="static/chat.js"' in page and 'src="static/vendor/socket.io.min.js"' in page
    assert 'id="log"' in page and 'aria-live="polite"' in page
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, kind", [("chat.js", "javascript"), ("chat.css", "text/css"), ("index.html", "text/html")]
)
def test_static_files_are_served(name, kind):
    status, headers, body = get(f"/static/{name}")
    assert status == 200 and kind in headers["Content-Type"] and body


def test_socketio_client_is_served_from_node_modules(socketio_js, monkeypatch, tmp_path):
    status, headers, body = get("/static/vendor/socket.io.min.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert body == socketio_js.read_bytes()

    monkeypatch.setattr(webchat, "SOCKETIO_JS", tmp_path / "missing.js")
    status, _, body = get("/static/vendor/socket.io.min.js")
    assert status == 404 and b"npm ci" in body


@pytest.mark.parametrize(
    "path",
    ["/nope", "/static/nope.js", "/static/", "/static/../app.py", "/static/%2e%2e/app.py", "/config.json/x"],
)
def test_unknown_paths_are_404(path):
    status, _, body = get(path)
    assert status in (403, 404), path
    assert b"def init" not in body


def test_only_get_is_allowed():
    async def run():
        async with TestClient(TestServer(webchat.init(RASA))) as client:
            return (await client.post("/config.json")).status

    assert asyncio.run(run()) == 405


def test_the_app_keeps_its_settings_under_an_app_key():
    app = webchat.init(RASA, store_name="X")
    assert app[webchat.SETTINGS]["store_name"] == "X"


# ---------- the embeddable widget and the demo store (issue 14) ----------


def test_widget_js_is_served_with_a_long_cache():
    status, headers, body = get("/widget.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert "max-age=86400" in headers["Cache-Control"] and "public" in headers["Cache-Control"]
    assert b"attachShadow" in body and b"postMessage" in body


def test_the_chat_page_may_be_framed_by_the_stores_named_in_the_setting(monkeypatch):
    _, headers, _ = get("/")
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    app = webchat.init(RASA, frame_ancestors_sources=["https://shop.example", "https://*.shop.example:8443"])
    _, headers, _ = get("/", app=app)
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.example https://*.shop.example:8443" in csp
    monkeypatch.setattr(webchat.config, "FRAME_ANCESTORS", ["http://localhost:3000"])
    _, headers, _ = get("/", app=webchat.init(RASA))
    assert "frame-ancestors 'self' http://localhost:3000;" in headers["Content-Security-Policy"] + ";"


@pytest.mark.parametrize("source", ["*", "https://shop.example; script-src *", "javascript:alert(1)", "'unsafe-inline'",
                                    "shop.example", "https://shop.example/path"])
def test_a_frame_ancestor_that_is_not_an_origin_is_refused_at_start(source):
    with pytest.raises(ValueError, match="WEBCHAT_FRAME_ANCESTORS"):
        webchat.init(RASA, frame_ancestors_sources=[source])


def write_catalog(tmp_path, *records):
    path = tmp_path / "catalog.jsonl"
    path.write_text("\n".join([json.dumps(r) for r in records] + ["not json", "{}"]), encoding="utf-8")
    return path


HOSTILE_RECORD = {"id": "TP-X-1", "name": "<script>alert(1)</script> Tent", "name_zh": "帐篷\"><b>",
                  "description": "Dry & <b>warm</b>", "price": 10, "currency": "USD", "category": "tents"}


def test_demo_listing_links_every_product_and_embeds_the_widget_once(tmp_path):
    app = webchat.init(RASA, catalog_path=write_catalog(tmp_path, HOSTILE_RECORD, {"id": "TP-Y-2", "name": "Mug"}))
    status, headers, body = get("/demo/", app=app)
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert page.count('<script src="/widget.js"') == 1 and 'data-position="right"' in page
    assert 'href="/demo/products/TP-X-1"' in page and 'href="/demo/products/TP-Y-2"' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Tent" in page
    assert "data-open-chat" in page and "hostile.css" not in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_demo_product_page_declares_its_product_escaped(tmp_path):
    app = webchat.init(RASA, catalog_path=write_catalog(tmp_path, HOSTILE_RECORD))
    _, _, body = get("/demo/products/TP-X-1?lang=zh&hostile=1", app=app)
    page = body.decode()
    assert '<meta name="tidepool:product" content="TP-X-1">' in page
    assert 'content="帐篷&quot;&gt;&lt;b&gt;"' in page and 'data-language="zh"' in page
    assert 'href="/demo/hostile.css"' in page and 'href="/demo/?lang=zh&amp;hostile=1"' in page
    _, _, body = get("/demo/products/TP-X-1", app=webchat.init(RASA, catalog_path=tmp_path / "catalog.jsonl"))
    assert "Dry &amp; &lt;b&gt;warm&lt;/b&gt;" in body.decode()


@pytest.mark.parametrize("path", ["/demo/products/NOPE", "/demo/products/%3Cscript%3E"])
def test_demo_unknown_product_is_a_json_404(path):
    status, headers, body = get(path)
    assert status == 404 and json.loads(body) == {"error": "unknown product"}


def test_demo_page_from_the_real_catalogue_and_its_assets():
    status, _, body = get("/demo/products/TP-JKT-001")
    assert status == 200 and b'content="TP-JKT-001"' in body
    for path, kind in [("/demo/store.css", "text/css"), ("/demo/hostile.css", "text/css"),
                       ("/demo/store.js", "javascript")]:
        status, headers, body = get(path)
        assert status == 200 and kind in headers["Content-Type"] and body, path
