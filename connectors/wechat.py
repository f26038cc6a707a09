"""WeChat Official Account (公众号) channel: verified XML pushes in, customer-service API messages out.

WeChat waits 5 seconds for the answer to a push (then retries it, three times in all), and a Rasa turn can take
longer, so the push is answered at once with "success" and every bot reply goes out afterwards through the
customer-service message API with a cached access token. Plain pushes and AES "safe mode" pushes are both accepted
(WeChat's "compatible mode"). The formats, signatures and crypto are in connectors/wechat_format.py, what every
channel's webhook does alike (settings, off until configured, routes) in connectors/channel_base.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, List, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import wechat_format as fmt
from connectors.channel_base import OnNewMessage, WebhookChannel, error
from connectors.platform import (
    HANDOFF_TYPES,
    Languages,
    LastPerUser,
    Reply,
    SendFailed,
    fresh,
    handoff_buttons,
    language_of,
    send_with_retry,
    unsupported_reply,
)

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.weixin.qq.com"
ENVIRONMENT = {
    "app_id": "WECHAT_APP_ID",
    "app_secret": "WECHAT_APP_SECRET",
    "token": "WECHAT_TOKEN",
    "aes_key": "WECHAT_AES_KEY",  # optional: without it only plain-mode pushes are accepted
    "api_url": "WECHAT_API_URL",
}
REQUIRED = ("app_id", "app_secret", "token")
TOKEN_MARGIN_S = 300  # fetch a new access token this long before WeChat says the old one expires
UNSUPPORTED_TYPES = {"image", "voice", "video", "shortvideo", "location", "link", "file"}
# A new follower is greeted like a shopper who said hello. "/greeting" alone would skip the response selector that
# picks the greeting's sub-response (utter_greeting/hello), so the parse result is given whole.
GREETING_PARSE = {
    "text": "/greeting",
    "intent": {"name": "greeting", "confidence": 1.0, "full_retrieval_intent_name": "greeting/hello"},
    "intent_ranking": [{"name": "greeting", "confidence": 1.0}],
    "entities": [],
    "response_selector": {
        "all_retrieval_intents": ["greeting"],
        "greeting": {
            "response": {
                "intent_response_key": "greeting/hello",
                "utter_action": "utter_greeting/hello",
                "confidence": 1.0,
                "responses": [],
            },
            "ranking": [],
        },
    },
}


class WechatApi:
    """The access token (cached until shortly before it expires) and the customer-service message API."""

    def __init__(self, api_url: str, app_id: str, app_secret: str, timeout_s: float = 10.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.app_id, self.app_secret = app_id, app_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._token, self._expires_at = "", 0.0
        self._token_lock: Optional[asyncio.Lock] = None  # made inside Rasa's event loop, on first use
        self._session: Optional[aiohttp.ClientSession] = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _call(self, method: str, path: str, params: Dict[str, str], body: Any = None) -> Tuple[int, Any, Dict]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
        async with self._http().request(method, self.api_url + path, params=params, data=data, headers=headers) as r:
            text = await r.text()
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            return r.status, parsed, dict(r.headers)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def access_token(self) -> str:
        if self._token and time.monotonic() < self._expires_at:
            return self._token
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:  # one fetch for many messages waiting on an expired token
            if not (self._token and time.monotonic() < self._expires_at):
                await self._fetch_token()
        return self._token

    async def _fetch_token(self) -> None:
        params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
        reply = await send_with_retry(lambda: self._call("GET", "/cgi-bin/token", params), fmt.token_classifier)
        expires_in = int(reply.body.get("expires_in") or 7200)
        self._token = str(reply.body["access_token"])
        self._expires_at = time.monotonic() + max(expires_in - TOKEN_MARGIN_S, expires_in / 2)
        log.info("wechat: new access token, valid for %ss", expires_in)

    def forget_token(self, token: str) -> None:
        """WeChat said `token` is invalid or expired; the next call fetches another (once, however many saw it)."""
        if self._token == token:
            self._token, self._expires_at = "", 0.0

    async def send(self, message: Dict[str, Any]) -> Reply:
        """POST one customer-service message; a stale token is refreshed once, busy/429/5xx answers retried."""
        used = {"token": ""}

        async def request() -> Tuple[int, Any, Dict]:
            used["token"] = await self.access_token()
            return await self._call("POST", "/cgi-bin/message/custom/send", {"access_token": used["token"]}, message)

        async def refresh() -> None:
            log.info("wechat: access token refused, fetching a new one")
            self.forget_token(used["token"])

        return await send_with_retry(request, fmt.api_classifier, refresh=refresh)


class WechatOutput(OutputChannel):
    """Bot replies as customer-service messages: texts split at 2,048 bytes, product cards as news articles, quick
    replies and handoff buttons as numbered text menus whose numbers the input channel reads back.

    A message WeChat refuses (after retries) is logged and the rest of the reply dropped. With `raise_failures` (the
    channel Rasa's HTTP API uses for an agent's reply) the refusal is raised too, so it fails visibly at the desk;
    a shopper's own turn does not raise, so Rasa still saves the conversation."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    def __init__(
        self,
        api: WechatApi,
        menus: LastPerUser[Dict[str, str]],
        languages: Languages,
        raise_failures: bool = True,
    ) -> None:
        self.api, self.menus, self.languages = api, menus, languages
        self.raise_failures = raise_failures

    def _language(self, openid: Text, text: Text = "") -> str:
        return self.languages.get(openid) or language_of(text)

    async def _deliver(self, messages: List[Dict[str, Any]]) -> None:
        for message in messages:
            try:
                await self.api.send(message)
            except SendFailed as error:
                log.error("wechat: could not deliver a %s message to %s: %s", message["msgtype"], message["touser"],
                          error)
                if self.raise_failures:
                    raise
                return

    async def _send_menu(self, openid: Text, text: Text, buttons: List[Dict[str, Any]], language: str) -> None:
        menu, choices = fmt.numbered_menu(buttons, language)
        self.menus.put(openid, choices)
        await self._deliver(fmt.with_menu(openid, text, menu))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._deliver(fmt.text_messages(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_menu(recipient_id, text, buttons, self._language(recipient_id, text))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Products as news articles (one per message, WeChat's limit), an order as a short text, handoff buttons as
        a menu; the message's text was already sent, so nothing here repeats it."""
        kind = json_message.get("type")
        if kind == "products":
            await self._deliver([fmt.news_message(recipient_id, item) for item in json_message.get("items") or []])
        elif kind == "order":
            await self._deliver(fmt.text_messages(recipient_id, fmt.order_summary(json_message)))
        elif kind == "agent_message" and json_message.get("product"):
            await self._deliver([fmt.news_message(recipient_id, json_message["product"])])
        elif kind in HANDOFF_TYPES and handoff_buttons(json_message):
            language = json_message.get("language") or self._language(recipient_id)
            await self._send_menu(recipient_id, "", handoff_buttons(json_message), language)
        else:
            log.debug("wechat: no native form for a %r payload, not sent", kind)


class WechatInput(WebhookChannel):
    """Verifies WeChat's pushes (GET echo and POST), decrypts safe-mode ones, dedupes retries, answers "success"
    at once and hands the message to Rasa in the background."""

    environment, required, defaults = ENVIRONMENT, REQUIRED, {"api_url": DEFAULT_API_URL}
    aes_key: Optional[bytes] = None  # without WECHAT_AES_KEY, only plain-mode pushes are accepted

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    def __init__(self, settings: Dict[str, str]) -> None:
        super().__init__(settings)
        self.api = WechatApi(settings.get("api_url") or DEFAULT_API_URL, settings["app_id"], settings["app_secret"])
        self.menus: LastPerUser[Dict[str, str]] = LastPerUser()
        self.languages = Languages()

    def configure(self) -> List[str]:
        if self.settings.get("aes_key"):
            try:
                self.aes_key = fmt.aes_key(self.settings["aes_key"])
            except fmt.CryptoError:
                return ["WECHAT_AES_KEY to the 43-character EncodingAESKey (or unset it)"]
        return []

    def status_detail(self) -> str:
        return "plain and AES safe mode" if self.aes_key else "plain mode only"

    def make_output(self, raise_failures: bool = True) -> WechatOutput:
        return WechatOutput(self.api, self.menus, self.languages, raise_failures)

    # --- checks ----------------------------------------------------------------------------------------------

    def _signature_ok(self, request: Request) -> bool:
        timestamp, nonce = request.args.get("timestamp", ""), request.args.get("nonce", "")
        given = request.args.get("signature", "")
        return fmt.signed((self.settings["token"], timestamp, nonce), given) and fresh(timestamp)

    def _open(self, request: Request, body: bytes) -> Tuple[Optional[Dict[str, str]], Optional[HTTPResponse]]:
        """The push's fields (decrypted in safe mode), or the refusal to answer."""
        try:
            fields = fmt.parse_xml(body)
        except fmt.BadXml as problem:
            log.warning("wechat: malformed push refused: %s", problem)
            return None, error(400, "malformed XML")
        if request.args.get("encrypt_type", "raw") != "aes":
            return fields, None
        if self.aes_key is None:
            log.warning("wechat: encrypted push but WECHAT_AES_KEY is not set")
            return None, error(400, "encrypted push but WECHAT_AES_KEY is not set")
        encrypted = fields.get("Encrypt", "")
        parts = (self.settings["token"], request.args.get("timestamp", ""), request.args.get("nonce", ""), encrypted)
        if not encrypted or not fmt.signed(parts, request.args.get("msg_signature", "")):
            log.warning("wechat: encrypted push with a bad msg_signature refused")
            return None, error(403, "bad msg_signature")
        try:
            return fmt.parse_xml(fmt.decrypt(encrypted, self.aes_key, self.settings["app_id"]).encode("utf-8")), None
        except fmt.CryptoError as problem:
            log.warning("wechat: encrypted push refused: %s", problem)
            return None, error(403, "cannot decrypt for this AppID")
        except fmt.BadXml as problem:
            log.warning("wechat: malformed encrypted push refused: %s", problem)
            return None, error(400, "malformed XML")

    # --- the webhook ----------------------------------------------------------------------------------------------

    async def verify(self, request: Request) -> HTTPResponse:
        """WeChat's server check: echo `echostr` when the signature is ours."""
        if not self._signature_ok(request):
            log.warning("wechat: server verification with a bad signature or stale timestamp refused")
            return error(403, "bad signature")
        return response.text(request.args.get("echostr", ""))

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self._signature_ok(request):
            log.warning("wechat: push with a bad signature or stale timestamp refused")
            return error(403, "bad signature")
        fields, refusal = self._open(request, request.body or b"")
        if refusal is not None:
            return refusal
        if not fields or not fields.get("FromUserName") or not fields.get("MsgType"):
            log.warning("wechat: push without FromUserName/MsgType refused")
            return error(400, "not a WeChat message")
        if not self.deduper.first_time(fmt.dedupe_key(fields)):
            log.info("wechat: repeated delivery of %s dropped", fmt.dedupe_key(fields))
            return response.text("success")
        self._dispatch(fields, request.args.get("encrypt_type") == "aes", on_new_message)
        return response.text("success")  # no passive reply: WeChat shows nothing and does not retry

    async def close(self) -> None:
        await self.api.close()

    # --- turning a push into a UserMessage ---------------------------------------------------------------------

    def _dispatch(self, fields: Dict[str, str], encrypted: bool, on_new_message: OnNewMessage) -> None:
        openid, kind = fields["FromUserName"], fields.get("MsgType", "")
        output = self.make_output(raise_failures=False)
        metadata = {"wechat": {"msg_type": kind, "msg_id": fields.get("MsgId"), "to": fields.get("ToUserName"),
                               "create_time": fields.get("CreateTime"), "encrypted": encrypted}}
        message_id = f"wechat-{fields['MsgId']}" if fields.get("MsgId") else None
        if kind == "text":
            text = fields.get("Content", "")
            self.languages.heard(openid, text)
            payload = fmt.answer_to_menu(self.menus, openid, text)
            if payload:
                log.info("wechat: %s picked %r from their menu", openid, payload)
            message = UserMessage(payload or text, output, openid, input_channel=self.name(), message_id=message_id,
                                  metadata={**metadata, "language": self.languages.get(openid)})
            self.run_later(on_new_message(message), f"the turn for {openid}")
        elif kind == "event" and fields.get("Event", "").lower() == "subscribe":
            log.info("wechat: new follower %s, greeting them", openid)
            message = UserMessage("/greeting", output, openid, parse_data=dict(GREETING_PARSE),
                                  input_channel=self.name(), metadata=metadata)
            self.run_later(on_new_message(message), f"the greeting for {openid}")
        elif kind == "event":
            log.info("wechat: %s event from %s ignored", fields.get("Event") or "unnamed", openid)
        else:
            language = self.languages.get(openid) or "en"
            known = "unsupported" if kind in UNSUPPORTED_TYPES else "unknown"
            log.info("wechat: %s message type %r from %s, answering that we read text", known, kind, openid)
            self.run_later(output.send_text_message(openid, unsupported_reply(language)),
                           f"the unsupported-type reply to {openid}")
