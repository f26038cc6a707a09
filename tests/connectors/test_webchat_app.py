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


def test_a_phone_on_the_lan_is_pointed_at_the_host_it_used():
    _, _, body = get("/config.json", Host="192.168.1.20:8080")
    assert json.loads(body)["socketUrl"] == "http://192.168.1.20:5005"


@pytest.mark.parametrize(
    "rasa_url, host, expected",
    [
        ("http://127.0.0.1:5005", "127.0.0.1:8080", "http://127.0.0.1:5005"),
        ("http://localhost:5005", "shop.example:8080", "http://shop.example:5005"),
        ("http://127.0.0.1:5005", "[fe80::1]:8080", "http://[fe80::1]:5005"),
        ("https://rasa.example.com", "chat.example.com", "https://rasa.example.com"),
        ("http://10.0.0.5:5005/", None, "http://10.0.0.5:5005"),
    ],
)
def test_public_rasa_url(rasa_url, host, expected):
    assert webchat.public_rasa_url(rasa_url, host) == expected


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
