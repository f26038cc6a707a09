"""A stand-in for WeChat's servers: it pushes signed (and, in safe mode, encrypted) XML messages built from the
documented examples in tests/connectors/fixtures/wechat/, and serves the access-token and customer-service message
APIs, checking each call against the documented request shape.

Its signing and AES code is its own, written from the documentation, not imported from the connector, so a test
that passes shows the two agree on the format rather than sharing a bug.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from aiohttp import ClientSession, ClientTimeout, web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.connectors.doubles.base import Call, PlatformDouble

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wechat"
TEXT_LIMIT_BYTES = 2048
SEND_PATH = "/cgi-bin/message/custom/send"
TOKEN_PATH = "/cgi-bin/token"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def documented_request(msgtype: str) -> Dict[str, Any]:
    """The documentation's example request for a customer-service message type (its keys are the required ones)."""
    return json.loads(fixture(f"custom_send_{msgtype}.json"))


def with_fields(xml: str, **values: Any) -> str:
    """The fixture with some fields' values replaced, written as the example writes them (CDATA or bare)."""
    for tag, value in values.items():
        pattern = re.compile(rf"(<{tag}>)(.*?)(</{tag}>)", re.DOTALL)
        if not pattern.search(xml):
            raise KeyError(f"the fixture has no <{tag}>")

        def replace(match: "re.Match[str]", value: Any = value) -> str:
            inner = f"<![CDATA[{value}]]>" if match.group(2).startswith("<![CDATA[") else str(value)
            return match.group(1) + inner + match.group(3)

        xml = pattern.sub(replace, xml, count=1)
    return xml


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def aes_encrypt(xml: str, encoding_aes_key: str, app_id: str) -> str:
    """Safe-mode encryption as documented: AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes, of
    random(16) + msg_len(4, network order) + msg + AppID, then base64."""
    key = base64.b64decode(encoding_aes_key + "=")
    message = xml.encode("utf-8")
    plain = os.urandom(16) + struct.pack("!I", len(message)) + message + app_id.encode("utf-8")
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def aes_decrypt(encrypted: str, encoding_aes_key: str) -> Tuple[str, str]:
    """(XML, AppID) from a safe-mode Encrypt field, the way WeChat's own servers would read it."""
    key = base64.b64decode(encoding_aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack("!I", plain[16:20])
    return plain[20:20 + length].decode("utf-8"), plain[20 + length:].decode("utf-8")


class WechatDouble(PlatformDouble):
    """WeChat's message push (outbound from here) and its token and customer-service APIs (inbound here)."""

    # WeChat is one platform however many doubles a test session starts: a token one of them issued stays the
    # valid one for the next (the connector inside Rasa keeps it cached across tests).
    ISSUED: List[str] = []
    EXPIRED: set = set()

    def __init__(self, app_id: str, app_secret: str, token: str, encoding_aes_key: str) -> None:
        super().__init__("wechat")
        self.app_id, self.app_secret, self.token, self.encoding_aes_key = app_id, app_secret, token, encoding_aes_key
        self.issued = WechatDouble.ISSUED  # access tokens handed out; only the last is valid
        self.expired = WechatDouble.EXPIRED
        self.delivered: List[Call] = []  # customer-service messages answered with errcode 0
        self.add_route("GET", TOKEN_PATH, self.get_token)
        self.add_route("POST", SEND_PATH, self.custom_send)

    def reset(self) -> None:
        """Forget calls and deliveries; issued tokens stay valid (the connector keeps its cached one)."""
        super().reset()
        self.delivered.clear()

    # --- the APIs the connector calls ------------------------------------------------------------------------

    async def get_token(self, request: web.Request) -> Dict[str, Any]:
        call: Call = request["call"]
        if call.query.get("grant_type") != "client_credential":
            self.violation(call, "grant_type must be client_credential")
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if call.query.get("appid") != self.app_id:
            return json.loads(fixture("error_response.json"))
        if call.query.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        self.issued.append(f"token-{uuid.uuid4().hex}")
        answer = json.loads(fixture("token_response.json"))
        answer["access_token"] = self.issued[-1]
        return answer

    def expire_token(self) -> None:
        """The current access token expires now: the next call with it gets errcode 42001."""
        if self.issued:
            self.expired.add(self.issued[-1])

    async def custom_send(self, request: web.Request) -> Dict[str, Any]:
        call: Call = request["call"]
        token = call.query.get("access_token", "")
        if token in self.expired:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if not self.issued or token != self.issued[-1]:
            self.violation(call, "access_token missing or never issued")
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if not request.content_type == "application/json":
            self.violation(call, f"Content-Type {request.content_type!r}, expected application/json")
        body = call.json
        problems = self.schema_problems(body)
        for problem in problems:
            self.violation(call, problem)
        if problems:
            if isinstance(body, dict) and body.get("msgtype") == "news":
                return {"errcode": 45008, "errmsg": "article size out of limit"}
            return {"errcode": 44002, "errmsg": "empty post data" if not body else "invalid message"}
        self.delivered.append(call)
        return {"errcode": 0, "errmsg": "ok"}

    @staticmethod
    def schema_problems(body: Any) -> List[str]:
        """What breaks the documented customer-service message shape (required keys from the doc's examples,
        2,048-byte texts, one article per news message)."""
        if not isinstance(body, dict):
            return ["body is not a JSON object"]
        msgtype = body.get("msgtype")
        if msgtype not in ("text", "news"):
            return [f"msgtype {msgtype!r}: the connector should only send text and news"]
        problems = []
        if not isinstance(body.get("touser"), str) or not body["touser"]:
            problems.append("touser (the OpenID) is required")
        example = documented_request(msgtype)
        content = body.get(msgtype)
        if not isinstance(content, dict):
            return problems + [f"{msgtype} object is required"]
        if msgtype == "text":
            text = content.get("content")
            if not isinstance(text, str) or not text.strip():
                problems.append("text.content is required and must not be empty")
            elif len(text.encode("utf-8")) > TEXT_LIMIT_BYTES:
                problems.append(f"text.content is {len(text.encode('utf-8'))} bytes, over {TEXT_LIMIT_BYTES}")
        else:
            articles = content.get("articles")
            if not isinstance(articles, list) or len(articles) != 1:
                problems.append("a customer-service news message holds exactly one article")
            else:
                article = articles[0]
                wanted = set(example["news"]["articles"][0])
                if set(article) - wanted:
                    problems.append(f"unknown article fields {sorted(set(article) - wanted)}")
                if not article.get("title"):
                    problems.append("article title is empty")
                for link in ("url", "picurl"):
                    if article.get(link) and not str(article[link]).startswith(("http://", "https://")):
                        problems.append(f"article {link} is not an http(s) URL")
        return problems

    # --- what the connector sent ------------------------------------------------------------------------------

    def sent(self, openid: Optional[str] = None) -> List[Call]:
        """Customer-service messages delivered (answered errcode 0), to one shopper or to anyone, in order."""
        return [call for call in list(self.delivered) if openid is None or call.json.get("touser") == openid]

    def texts(self, openid: str) -> List[str]:
        return [c.json["text"]["content"] for c in self.sent(openid) if c.json.get("msgtype") == "text"]

    def articles(self, openid: str) -> List[Dict[str, Any]]:
        return [c.json["news"]["articles"][0] for c in self.sent(openid) if c.json.get("msgtype") == "news"]

    # --- pushes to the connector ------------------------------------------------------------------------------

    def message(self, kind: str, openid: str, **fields: Any) -> str:
        """A documented example push (`text`, `image`, `voice`, `location`, `link`, `event_subscribe`) from
        `openid`, created now, with a fresh MsgId unless one is given."""
        values: Dict[str, Any] = {"FromUserName": openid, "ToUserName": "gh_tidepool0001",
                                  "CreateTime": int(time.time())}
        if kind != "event_subscribe":
            values["MsgId"] = fields.pop("MsgId", None) or str(uuid.uuid4().int % 10**19)
        values.update(fields)
        return with_fields(fixture(f"{kind}.xml"), **values)

    def signed_query(self, timestamp: Optional[str] = None, nonce: Optional[str] = None, token: Optional[str] = None,
                     **extra: str) -> Dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        query = {"signature": sha1_signature(token or self.token, timestamp, nonce), "timestamp": timestamp,
                 "nonce": nonce}
        query.update(extra)
        return query

    def encrypted(self, xml: str, app_id: Optional[str] = None, msg_signature: Optional[str] = None,
                  **query: str) -> Tuple[Dict[str, str], bytes]:
        """A safe-mode push: (query with signature, encrypt_type=aes and msg_signature, the envelope body)."""
        encrypt = aes_encrypt(xml, self.encoding_aes_key, app_id or self.app_id)
        signed = self.signed_query(**query)
        openid = re.search(r"<FromUserName><!\[CDATA\[(.*?)\]\]>", xml)
        signed.update(
            encrypt_type="aes",
            openid=openid.group(1) if openid else "",
            msg_signature=msg_signature or sha1_signature(self.token, signed["timestamp"], signed["nonce"], encrypt),
        )
        return signed, with_fields(fixture("encrypted.xml"), Encrypt=encrypt).encode("utf-8")

    async def push(self, webhook_url: str, body: bytes, query: Optional[Dict[str, str]] = None,
                   timeout_s: float = 30.0) -> Tuple[int, str, float, float]:
        """POST a push as WeChat does; (status, answer, monotonic time sent, seconds until answered)."""
        url = f"{webhook_url}?{urlencode(query if query is not None else self.signed_query())}"
        status, text, sent_at = await self.post(url, body, {"Content-Type": "text/xml"}, timeout_s)
        return status, text, sent_at, time.monotonic() - sent_at

    async def verify(self, webhook_url: str, echostr: str, query: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
        """WeChat's server check: GET with signature, timestamp, nonce and echostr."""
        params = {**(query if query is not None else self.signed_query()), "echostr": echostr}
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            async with session.get(webhook_url, params=params) as response:
                return response.status, await response.text()
