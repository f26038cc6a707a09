"""Shoppers' photos: `POST /api/attachments` takes one photo for a conversation, checks it by its content, and keeps
a clean copy in the store backend.

A photo is accepted only when its bytes say JPEG, PNG or WebP (magic bytes) AND Pillow decodes it; its size is
limited while it streams in, its pixel count before it is decoded (decompression bombs), and what is kept is a fresh
re-encoding: orientation applied, at most MAX_SIDE pixels a side, no EXIF (so no GPS location), no text chunks.
The reply carries a random id only; the web chat never serves photos back (agents see them through the desk).
"""

from __future__ import annotations

import asyncio
import io
from typing import Optional

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage
from PIL import Image, ImageOps, UnidentifiedImageError

from connectors.webchat import sessions
from shop.identifiers import CONVERSATION_ID
from shop.store import store
from shop.store.backend import StoreBackend, StoreError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the page says so before uploading, too (chat.js MAX_PHOTO_BYTES)
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo would not fit 5 MB anyway; beyond this, refuse undecoded
MAX_SIDE = 2048  # what is kept: plenty for an agent to see a scratch, and small in the database
MAX_PER_CONVERSATION = 20
MAX_FIELD_BYTES = 256  # conversation_id
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file
CHUNK = 64 * 1024
DECODES_AT_ONCE = 2  # decoding takes memory and CPU; a burst of uploads waits its turn

# Magic bytes: the content decides the type, never the file name or the browser's Content-Type.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

ATTACHMENT_STORE = web.AppKey("attachment_store", StoreBackend)
DECODE_SLOTS = web.AppKey("attachment_decode_slots", asyncio.Semaphore)


class Rejected(Exception):
    """The upload is refused: `status` and a message for the shopper's page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sniff(data: bytes) -> Optional[str]:
    """The Pillow format name the first bytes announce (JPEG, PNG or WEBP), or None."""
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    if data.startswith(PNG_MAGIC):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _output_mode(image: Image.Image, image_format: str) -> str:
    """The mode to re-encode in: RGB for JPEG; keep transparency for PNG and WebP; greyscale stays for PNG."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image_format == "JPEG":
        return "RGB"
    if image_format == "PNG" and image.mode in ("L", "LA"):
        return image.mode
    return "RGBA" if transparent else "RGB"


def clean_image(data: bytes) -> tuple[str, bytes]:
    """(content_type, bytes) of a fresh copy of the photo without its metadata; raises Rejected.

    The copy is rebuilt from pixels alone (Image.frombytes), so nothing of the original's EXIF, XMP or text chunks
    can ride along; only the colour profile is kept, so colours look the same.
    """
    image_format = sniff(data)
    if image_format is None:
        raise Rejected(415, "only JPEG, PNG or WebP photos can be attached")
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            width, height = image.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise Rejected(413, f"the photo has too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels)")
            if image_format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory and time
            icc_profile = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)  # a copy with the camera's orientation applied
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
        mode = _output_mode(upright, image_format)
        pixels = upright.convert(mode)
        clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if image_format in ("JPEG", "WEBP"):
            options["quality"] = 85
        out = io.BytesIO()
        clean.save(out, format=image_format, **options)
    except Rejected:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours, seen while opening
        raise Rejected(413, f"the photo has too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels)") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise Rejected(415, "the file is not a readable JPEG, PNG or WebP image") from None
    return FORMATS[image_format], out.getvalue()


async def _read_form(request: web.Request) -> tuple[str, bytes]:
    """(conversation_id, file bytes) from the multipart body, reading the file no further than the size limit."""
    if request.content_type != "multipart/form-data":
        raise Rejected(400, "send multipart/form-data with the fields file and conversation_id")
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        raise Rejected(413, f"a photo is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    conversation_id: Optional[str] = None
    data: Optional[bytes] = None
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                raise Rejected(400, "nested multipart bodies are not accepted")
            if part.name == "conversation_id":
                value = await part.read_chunk(MAX_FIELD_BYTES + 1)
                conversation_id = value.decode("utf-8", "replace").strip()
            elif part.name == "file":
                data = await _read_limited(part)
            else:
                await part.release()  # unknown fields are skipped, not kept
    except (ValueError, BadHttpMessage):  # a part header aiohttp cannot read is a bad body, not our error
        raise Rejected(400, "the multipart body could not be read") from None
    if not conversation_id:
        raise Rejected(400, "missing field 'conversation_id'")
    if not CONVERSATION_ID.fullmatch(conversation_id):
        raise Rejected(400, "bad conversation id")
    if data is None:
        raise Rejected(400, "missing field 'file'")
    if not data:
        raise Rejected(400, "the file is empty")
    return conversation_id, data


async def _read_limited(part: BodyPartReader) -> bytes:
    buffer = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        buffer.extend(chunk)
        if len(buffer) > MAX_UPLOAD_BYTES:
            raise Rejected(413, f"a photo is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return bytes(buffer)


def _backend(request: web.Request) -> StoreBackend:
    return request.app.get(ATTACHMENT_STORE) or store()


async def upload(request: web.Request) -> web.Response:
    """POST /api/attachments (multipart: `file`, `conversation_id`): 201 {"attachment_id", "content_type"}.

    400 missing or bad fields; 403 for a conversation this browser does not own (with no conversation at all, before
    the photo is read); 413 over MAX_UPLOAD_BYTES or MAX_PIXELS; 415 not a JPEG, PNG or WebP image; 429 when the
    conversation already has MAX_PER_CONVERSATION photos.
    """
    if sessions.owned_conversation(request) is None:
        return web.json_response({"error": "this browser has no conversation: reload the chat"}, status=403,
                                 headers={"Connection": "close"})
    try:
        conversation_id, data = await _read_form(request)
        unowned = sessions.refuse_unowned(request, conversation_id)
        if unowned is not None:
            return unowned
        backend = _backend(request)
        if len(await asyncio.to_thread(backend.attachments_for, conversation_id)) >= MAX_PER_CONVERSATION:
            raise Rejected(429, f"at most {MAX_PER_CONVERSATION} photos per conversation")
        async with request.app[DECODE_SLOTS]:
            content_type, clean = await asyncio.to_thread(clean_image, data)
        attachment_id = await asyncio.to_thread(backend.save_attachment, conversation_id, content_type, clean)
    except Rejected as refused:
        if refused.status == 413:
            # The body may still be arriving: close the connection rather than read the rest.
            return web.json_response({"error": refused.message}, status=413, headers={"Connection": "close"})
        return web.json_response({"error": refused.message}, status=refused.status)
    except StoreError as refused:
        return web.json_response({"error": str(refused)}, status=400)
    return web.json_response({"attachment_id": attachment_id, "content_type": content_type}, status=201)


def add_routes(app: web.Application, backend: Optional[StoreBackend] = None) -> None:
    """Adds POST /api/attachments to the web chat app. Photos go to `backend` (tests), else to `shop.store.store()`,
    the backend STORE_BACKEND chooses, looked up on the first upload."""
    if backend is not None:
        app[ATTACHMENT_STORE] = backend
    app[DECODE_SLOTS] = asyncio.Semaphore(DECODES_AT_ONCE)
    app.router.add_routes([web.post("/api/attachments", upload)])
