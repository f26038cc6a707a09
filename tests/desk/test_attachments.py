"""Shoppers' photos on the desk (issue 14): the transcript marks the message that shared one, and only a signed-in
agent gets a photo, only of a conversation handed to the desk."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from desk import accounts, handoffs, transcript
from desk.app import make_app
from desk.state import DESK, Settings
from scripts.stack import STORE_DIR
from shop.store import chosen, config
from shop.store.loader import load_store

PNG = b"\x89PNG\r\n\x1a\nstored bytes"
PHOTO_ID = "AbCdEfGhIjKlMnOpQrStUv"


def test_the_message_that_shared_a_photo_carries_its_id():
    shared = {"event": "user", "text": f'/share_photo{{"attachment_id": "{PHOTO_ID}"}}', "timestamp": 3.0,
              "parse_data": {"intent": {"name": "share_photo"},
                             "entities": [{"entity": "attachment_id", "value": PHOTO_ID}]}}
    forged = {**shared, "parse_data": {"entities": [{"entity": "attachment_id", "value": "../../etc/passwd"}]}}
    assert transcript.entry(shared) == {"kind": "user", "text": "[photo]", "at": 3.0, "attachment_id": PHOTO_ID}
    assert "attachment_id" not in transcript.entry(forged)
    plain = {"event": "user", "text": "hello", "timestamp": 1.0, "parse_data": {"entities": []}}
    assert transcript.entry(plain) == {"kind": "user", "text": "hello", "at": 1.0}


@pytest.fixture
def photo_store(tmp_path, monkeypatch):
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    monkeypatch.setattr(config, "STORE_DB", db)
    monkeypatch.setattr(config, "STORE_DATA_DIR", STORE_DIR)
    chosen.store.cache_clear()
    yield chosen.store()
    chosen.store.cache_clear()


def test_only_a_signed_in_agent_sees_a_photo_of_a_handed_off_conversation(tmp_path, photo_store):
    handed_off = photo_store.save_attachment("conv-handed-off", "image/png", PNG)
    bot_only = photo_store.save_attachment("conv-bot-only", "image/png", PNG)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'desk.db'}", rasa_url="http://127.0.0.1:9",
                        knowledge_url="http://127.0.0.1:9", events_url=f"sqlite:///{tmp_path / 'events.db'}",
                        store_data_dir=STORE_DIR, open_hours="always", service_token="t" * 32,
                        secret_key="s" * 32)
    app = make_app(settings)
    engine = app[DESK].engine
    accounts.add(engine, "lin@example.com", "Lin", "a long enough password 1")
    handoffs.create(engine, conversation_id="conv-handed-off", reason="asked", summary={}, language="en",
                    channel="socketio", tier="none")

    async def run():
        async with TestClient(TestServer(app)) as client:
            path = f"/api/attachments/{handed_off}"
            before = (await client.get(path)).status
            token = (await (await client.get("/api/session")).json())["csrf_token"]
            login = await client.post("/api/login", json={"email": "lin@example.com",
                                                          "password": "a long enough password 1"},
                                      headers={"X-CSRF-Token": token})
            assert login.status == 200
            seen = await client.get(path)
            body = await seen.read()
            others = [(await client.get(f"/api/attachments/{i}")).status
                      for i in (bot_only, "no-such-photo-0000000", "..%2F..%2Fetc")]
            return before, seen.status, seen.headers, body, others

    before, status, headers, body, others = asyncio.run(run())
    assert before == 401
    assert status == 200 and body == PNG and headers["Content-Type"] == "image/png"
    assert "no-store" in headers["Cache-Control"]
    assert others == [404, 404, 404]
