"""POST /api/attachments on the web chat: photos checked by content, size and pixel limits, and kept without EXIF."""

from __future__ import annotations

import asyncio
import io
import json
import os

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from PIL import ExifTags, Image

from connectors.webchat import attachments, sessions
from connectors.webchat import app as webchat
from scripts.stack import STORE_DIR
from shop.session_tickets import SessionSigner
from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore

CONVERSATION = "conv-photo-1"
SECRET = "test-webchat-session-secret"
OWNS_CONVERSATION = {sessions.COOKIE: SessionSigner(SECRET).cookie(CONVERSATION)}  # the browser that started it


def photo_app(store) -> web.Application:
    """An app with the attachment routes and the session binding they check."""
    app = web.Application()
    sessions.add_routes(app, SessionSigner(SECRET), cross_site=False)
    attachments.add_routes(app, store)
    return app


@pytest.fixture
def store(tmp_path) -> SqliteStore:
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    return SqliteStore(db, STORE_DIR)


def photo(image_format: str, size=(64, 48), exif: Image.Exif | None = None, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, (200, 40, 40) if mode == "RGB" else (200, 40, 40, 128))
    image.save(out, format=image_format, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def located_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: where the photo was taken, the camera, and which way up it is."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 40.0)
    return exif


def upload(store, fields: dict, app: web.Application | None = None):
    """POST a multipart form to a fresh app with the attachment routes; returns (status, JSON body)."""
    if app is None:
        app = photo_app(store)

    async def run():
        form = aiohttp.FormData(default_to_multipart=True)
        for name, value in fields.items():
            if isinstance(value, tuple):
                filename, content_type, data = value
                form.add_field(name, data, filename=filename, content_type=content_type)
            else:
                form.add_field(name, value)
        async with TestClient(TestServer(app), cookies=OWNS_CONVERSATION) as client:
            response = await client.post("/api/attachments", data=form)
            return response.status, json.loads(await response.read() or b"null")

    return asyncio.run(run())


def stored(store, attachment_id) -> Image.Image:
    content_type, data = store.read_attachment(attachment_id)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_jpeg_is_kept_without_its_gps_location_and_upright(store):
    original = photo("JPEG", size=(80, 40), exif=located_exif(orientation=6))  # 6: turn 90° clockwise to view
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS

    status, body = upload(store, {"conversation_id": CONVERSATION, "file": ("IMG_0001.jpg", "image/jpeg", original)})

    assert status == 201 and body["content_type"] == "image/jpeg"
    content_type, data = store.read_attachment(body["attachment_id"])
    assert content_type == "image/jpeg"
    kept = stored(store, body["attachment_id"])
    assert kept.format == "JPEG"
    assert not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(kept.getexif()) == 0  # no camera, no orientation, nothing
    assert b"Exif" not in data and b"PhoneCo" not in data
    assert kept.size == (40, 80)  # the orientation was applied before the tag went


def test_a_png_is_accepted_and_keeps_its_transparency(store):
    status, body = upload(store, {"conversation_id": CONVERSATION,
                                  "file": ("scratch.png", "image/png", photo("PNG", mode="RGBA"))})
    assert status == 201 and body["content_type"] == "image/png"
    kept = stored(store, body["attachment_id"])
    assert (kept.format, kept.mode) == ("PNG", "RGBA")


def test_a_webp_is_accepted_without_exif(store):
    status, body = upload(store, {"conversation_id": CONVERSATION,
                                  "file": ("dent.webp", "image/webp", photo("WEBP", exif=located_exif()))})
    assert status == 201 and body["content_type"] == "image/webp"
    kept = stored(store, body["attachment_id"])
    assert kept.format == "WEBP" and not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_the_type_comes_from_the_content_not_the_name(store):
    # A PNG named .jpg and sent as image/jpeg is stored as the PNG it is.
    status, body = upload(store, {"conversation_id": CONVERSATION, "file": ("a.jpg", "image/jpeg", photo("PNG"))})
    assert status == 201 and body["content_type"] == "image/png"


def test_a_text_file_named_jpg_is_refused_with_415(store):
    status, body = upload(store, {"conversation_id": CONVERSATION,
                                  "file": ("photo.jpg", "image/jpeg", b"just some text, not a photo\n" * 20)})
    assert status == 415 and "JPEG, PNG or WebP" in body["error"]
    assert store.attachments_for(CONVERSATION) == []


def test_a_file_with_jpeg_magic_but_no_image_is_refused_with_415(store):
    status, body = upload(store, {"conversation_id": CONVERSATION,
                                  "file": ("x.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 500)})
    assert status == 415 and "readable" in body["error"]


def test_other_image_types_are_refused(store):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    status, _ = upload(store, {"conversation_id": CONVERSATION, "file": ("a.gif", "image/gif", out.getvalue())})
    assert status == 415


def test_an_oversized_file_is_refused_with_413(store, monkeypatch):
    too_big = b"\xff\xd8\xff\xe0" + b"\0" * (attachments.MAX_UPLOAD_BYTES + 10)
    status, body = upload(store, {"conversation_id": CONVERSATION, "file": ("big.jpg", "image/jpeg", too_big)})
    assert status == 413 and "5 MB" in body["error"]
    assert store.attachments_for(CONVERSATION) == []


def test_the_size_limit_holds_while_streaming(store, monkeypatch):
    # A chunked body gives no Content-Length up front: the limit must hold as the bytes arrive.
    monkeypatch.setattr(attachments, "MAX_UPLOAD_BYTES", 1000)
    app = photo_app(store)

    async def run():
        writer = aiohttp.MultipartWriter("form-data")
        writer.append("conv-x", {"Content-Disposition": 'form-data; name="conversation_id"'})

        async def chunks():
            for _ in range(10):
                yield b"\xff" * 500

        part = writer.append(chunks(), {"Content-Type": "image/jpeg"})
        part.set_content_disposition("form-data", name="file", filename="a.jpg")
        async with TestClient(TestServer(app), cookies=OWNS_CONVERSATION) as client:
            response = await client.post("/api/attachments", data=writer)
            return response.status

    assert asyncio.run(run()) == 413


def test_a_decompression_bomb_is_refused_before_it_is_decoded(store):
    # A tiny PNG that claims 20000 x 20000 pixels (400 megapixels): one colour compresses to almost nothing.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    status, body = upload(store, {"conversation_id": CONVERSATION, "file": ("bomb.png", "image/png", bomb)})
    assert status == 413 and "pixels" in body["error"]


def test_a_photo_over_the_pixel_limit_is_refused(store, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PIXELS", 1000)
    status, body = upload(store, {"conversation_id": CONVERSATION,
                                  "file": ("a.png", "image/png", photo("PNG", size=(100, 100)))})
    assert status == 413 and "pixels" in body["error"]


def test_a_photo_of_several_megabytes_is_accepted(store):
    # Above aiohttp's default 1 MB body limit, which applies to request.post() but not to the streamed form.
    noise = Image.frombytes("RGB", (1100, 1100), os.urandom(1100 * 1100 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert 3 * 1024 * 1024 < len(out.getvalue()) < attachments.MAX_UPLOAD_BYTES
    status, body = upload(store, {"conversation_id": CONVERSATION, "file": ("noise.png", "image/png", out.getvalue())})
    assert status == 201


def test_a_large_photo_is_kept_smaller(store):
    status, body = upload(store, {"conversation_id": CONVERSATION,
                                  "file": ("a.png", "image/png", photo("PNG", size=(3000, 1500)))})
    assert status == 201
    assert stored(store, body["attachment_id"]).size == (attachments.MAX_SIDE, attachments.MAX_SIDE // 2)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"file": ("a.png", "image/png", photo("PNG"))}, "missing field 'conversation_id'"),
        ({"conversation_id": CONVERSATION}, "missing field 'file'"),
        ({"conversation_id": "../../etc/passwd", "file": ("a.png", "image/png", photo("PNG"))}, "bad conversation id"),
        ({"conversation_id": "x" * 300, "file": ("a.png", "image/png", photo("PNG"))}, "bad conversation id"),
        ({"conversation_id": CONVERSATION, "file": ("a.png", "image/png", b"")}, "the file is empty"),
    ],
)
def test_missing_or_bad_fields_are_400(store, fields, message):
    status, body = upload(store, fields)
    assert status == 400 and body == {"error": message}


def test_a_body_that_is_not_multipart_is_400(store):
    app = photo_app(store)

    async def run():
        async with TestClient(TestServer(app), cookies=OWNS_CONVERSATION) as client:
            response = await client.post("/api/attachments", json={"conversation_id": CONVERSATION})
            return response.status, await response.json()

    status, body = asyncio.run(run())
    assert status == 400 and "multipart/form-data" in body["error"]


def test_a_part_header_aiohttp_cannot_read_is_400_not_500(store):
    """Found by fuzzing: aiohttp raises InvalidHeader (not a ValueError) for an unreadable part header."""
    app = photo_app(store)

    async def run():
        async with TestClient(TestServer(app), cookies=OWNS_CONVERSATION) as client:
            response = await client.post("/api/attachments", data=b"--X\r\nNone--X--\r\n",
                                         headers={"Content-Type": "multipart/form-data; boundary=X"})
            return response.status, await response.json()

    status, body = asyncio.run(run())
    assert status == 400 and "could not be read" in body["error"]


def test_a_conversation_has_a_photo_limit(store, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PER_CONVERSATION", 2)
    fields = {"conversation_id": CONVERSATION, "file": ("a.png", "image/png", photo("PNG"))}
    assert [upload(store, fields)[0] for _ in range(3)] == [201, 201, 429]


def test_ids_are_random_and_photos_are_not_served_back(store):
    app = webchat.init("http://127.0.0.1:5005", session_secret=SECRET)
    attachments.add_routes(app, store)

    async def run():
        async with TestClient(TestServer(app), cookies=OWNS_CONVERSATION) as client:
            ids = []
            for _ in range(2):
                form = aiohttp.FormData({"conversation_id": CONVERSATION})
                form.add_field("file", photo("PNG"), filename="a.png", content_type="image/png")
                ids.append((await (await client.post("/api/attachments", data=form)).json())["attachment_id"])
            gets = [(await client.get(path)).status
                    for path in (f"/api/attachments/{ids[0]}", f"/api/attachments?id={ids[0]}")]
            return ids, gets

    (first, second), gets = asyncio.run(run())
    assert len(first) >= 20 and first != second
    assert all(status in (404, 405) for status in gets)  # the web chat has no way to read a photo back
