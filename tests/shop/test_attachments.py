"""Shoppers' photos in the SQLite store: random ids, per conversation, linked to a return or a complaint, and kept
when the store files are reloaded."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from scripts.stack import STORE_DIR
from shop.store.backend import ATTACHMENT_ID, StoreError
from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore
from tests.conftest import demo_orders

PNG = b"\x89PNG\r\n\x1a\n fake but the store does not decode"


@pytest.fixture
def store(tmp_path) -> SqliteStore:
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    return SqliteStore(db, STORE_DIR)


def a_return(store: SqliteStore) -> str:
    """A return opened on the first demo order that still has a returnable item."""
    window = int(store.store_info()["returns"]["window_days"])
    for order in demo_orders():
        found = store.find_order(order["id"], order["email"])
        items = found.returnable_items(window, date.today())
        if items:
            return store.create_return(found.id, [items[0].product_id], "arrived damaged").id
    raise AssertionError("the demo store has no returnable order")


def test_a_photo_is_kept_with_its_conversation_behind_a_random_id(store):
    first = store.save_attachment("conv-a", "image/png", PNG)
    second = store.save_attachment("conv-a", "image/jpeg", b"\xff\xd8\xffjpeg")
    store.save_attachment("conv-b", "image/png", PNG)

    assert ATTACHMENT_ID.fullmatch(first) and first != second
    assert store.read_attachment(first) == ("image/png", PNG)
    photos = store.attachments_for("conv-a")
    assert [p.id for p in photos] == [first, second]
    assert photos[0].byte_size == len(PNG) and photos[0].linked_kind is None
    assert store.attachment(first).conversation_id == "conv-a"


def test_unknown_or_malformed_ids_find_nothing(store):
    for attachment_id in ("nope-nope-nope-nope", "' OR 1=1 --", "", "x" * 500):
        assert store.read_attachment(attachment_id) is None
        assert store.attachment(attachment_id) is None
    assert store.attachments_for("conv-nobody") == []


@pytest.mark.parametrize(
    "conversation, content_type, data",
    [("conv-a", "image/gif", PNG), ("conv-a", "text/html", PNG), ("../etc", "image/png", PNG),
     ("conv-a", "image/png", b"")],
)
def test_the_store_refuses_what_is_not_a_photo_of_a_conversation(store, conversation, content_type, data):
    with pytest.raises(StoreError):
        store.save_attachment(conversation, content_type, data)


def test_a_photo_is_attached_to_a_return(store):
    return_id = a_return(store)
    photo = store.save_attachment("conv-a", "image/png", PNG)
    store.attach_to("return", return_id, photo)
    assert (store.attachment(photo).linked_kind, store.attachment(photo).linked_id) == ("return", return_id)
    with pytest.raises(StoreError):
        store.attach_to("return", "RNOSUCH1", photo)
    with pytest.raises(StoreError):
        store.attach_to("return", return_id, "no-such-photo-id-000")


def test_a_photo_is_attached_only_to_a_complaint_of_its_own_conversation(store):
    complaint = store.create_ticket("complaint", "conv-a", "the zip broke")
    handoff = store.create_ticket("handoff", "conv-a", "a person please")
    elsewhere = store.create_ticket("complaint", "conv-b", "late")
    photo = store.save_attachment("conv-a", "image/png", PNG)

    store.attach_to("complaint", complaint, photo)
    assert store.attachment(photo).linked_id == complaint
    for kind, record in (("complaint", handoff), ("complaint", elsewhere), ("order", "TP10001")):
        with pytest.raises(StoreError):
            store.attach_to(kind, record, photo)
    assert store.attachment(photo).linked_id == complaint  # unchanged by the refusals


def test_an_older_database_gets_the_table_on_first_use(tmp_path):
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    with sqlite3.connect(db) as raw:
        raw.execute("DROP TABLE attachments")  # as loaded before photos existed
    store = SqliteStore(db, STORE_DIR)
    assert store.attachments_for("conv-a") == []
    assert store.read_attachment(store.save_attachment("conv-a", "image/png", PNG)) == ("image/png", PNG)


def test_photos_survive_reloading_the_store_files(store):
    photo = store.save_attachment("conv-a", "image/webp", b"RIFF\0\0\0\0WEBPdata")
    load_store(STORE_DIR, store.db_path)
    assert store.read_attachment(photo) == ("image/webp", b"RIFF\0\0\0\0WEBPdata")
