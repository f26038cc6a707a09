"""Load on the real stack: concurrent shoppers over REST and socket.io, with one 1 MB message in the middle.

Starts the real servers on free loopback ports (scripts/stack.py) and ramps the number of concurrent shoppers
(1, 5, 10, 25, then the full run, 50 by default). Half the shoppers use Rasa's REST webhook, half its socket.io
channel; each plays a scripted conversation one turn at a time (order look-ups with the order's e-mail, product
recommendations, store-policy questions the knowledge service answers from its own text). While the full run is
going, one more shopper sends a 1,000,000-character message over REST and over socket.io.

It checks: no server error (5xx, dropped connection, timeout, empty reply, traceback in a service log); order kept
per conversation (Rasa's tracker holds each shopper's messages in the order sent, and each reply the shopper got is
the one the tracker logged for that message); the big message refused at once with a clear error; the turns that
overlapped the big message no slower than the others. It reports p50/p95 per kind of turn and the throughput at
which the median latency doubles from the one-shopper baseline of the same run, to reports/load.md (with
reports/load.png) and reports/load.json.

Usage: .venv/bin/python -m scripts.bench_load [--shoppers 50 --turns 20 --max-seconds 420]   (or: make bench-load)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.stack import STORE_DIR, Stack, running_stack  # noqa: E402

BIG_MESSAGE_CHARS = 1_000_000  # the message that froze Rasa for 49 minutes (issue 13): letters, no spaces
MAX_MESSAGE = 5000  # the longest message any entry point accepts (connectors/rest_guarded.py)
QUIET_S = 1.0  # no end-of-turn marker on socket.io: after this much silence a shopper asks the tracker if Rasa is done
BIG_AFTER_S = 5.0  # a stall caused by the big message would show in the turns up to this long after it
REFUSE_LIMIT_S = 5.0  # "refused quickly": within this, or no slower than the ordinary turns in flight with it
RAMP = (1, 5, 10, 25)
REFUSAL_EVENTS = ("message_refused", "error")  # how our socket.io channel refuses a message (rasa_socketio.py)

# Policy questions the knowledge service answers from the store's own text (extractive or prepared answers, well
# under a second), not by the local model, which takes 5-30 s an answer on two cores and would measure nothing else.
KNOWLEDGE_QUESTIONS = (
    "Are returns free?",
    "how much is shipping?",
    "can I pay in instalments?",
    "what is your return policy?",
    "退货政策是什么？",
    "可以用微信支付吗",
    "积分会过期吗",
)
RECOMMENDATIONS = (
    "recommend running shoes under 100",
    "I need a rain jacket under $200",
    "推荐一个背包，预算100美元",
    "show me a tent for two people",
)


# ---------------------------------------------------------------- conversations


def customers_with_orders(min_orders: int = 3) -> List[Tuple[str, List[str]]]:
    """(e-mail, order ids) of the demo customers with several orders: every look-up in one conversation uses the
    same e-mail, so none counts as a failed verification (the lockout is per client address too)."""
    orders = json.loads((STORE_DIR / "orders.json").read_text(encoding="utf-8"))
    by_email: Dict[str, List[str]] = {}
    for order in orders:
        by_email.setdefault(order["email"], []).append(order["id"])
    return [(email, ids) for email, ids in by_email.items() if len(ids) >= min_orders]


def conversation(shopper: int, turns: int) -> List[Tuple[str, str]]:
    """The scripted turns (kind, message) of one shopper: order look-ups, recommendations and policy questions."""
    customers = customers_with_orders()
    email, order_ids = customers[shopper % len(customers)]
    knowledge = [KNOWLEDGE_QUESTIONS[(shopper + k) % len(KNOWLEDGE_QUESTIONS)] for k in range(len(KNOWLEDGE_QUESTIONS))]
    recs = [RECOMMENDATIONS[(shopper + k) % len(RECOMMENDATIONS)] for k in range(len(RECOMMENDATIONS))]
    script = [  # every kind within the first six turns, so a short run (the CI variant) has them all
        ("greeting", "hi"),
        ("order", f"where is my order {order_ids[0]}?"),
        ("order e-mail", email),  # later look-ups in the conversation need no e-mail: it is verified by then
        ("knowledge", knowledge[0]),
        ("recommendation", recs[0]),
        ("knowledge", knowledge[1]),
        ("recommendation", "anything cheaper?"),
        ("order", f"我的订单{order_ids[1]}到哪了"),
        ("knowledge", knowledge[2]),
        ("recommendation", recs[1]),
        ("knowledge", knowledge[3]),
        ("recommendation", recs[2]),
        ("knowledge", knowledge[4]),
        ("order", f"track order {order_ids[2]}"),
        ("knowledge", knowledge[5]),
        ("recommendation", recs[3]),
        ("knowledge", knowledge[6]),
        ("recommendation", "anything cheaper?"),
        ("knowledge", knowledge[0]),
        ("greeting", "thanks, bye"),
    ]
    return (script * (turns // len(script) + 1))[:turns]


# ---------------------------------------------------------------- one turn, two channels


@dataclass
class Turn:
    """One message a shopper sent and what came back."""

    level: int  # concurrent shoppers when it ran
    shopper: str  # the conversation id (Rasa's sender id)
    channel: str  # rest | socketio
    index: int
    kind: str
    text: str
    started: float  # seconds since the level began
    ended: float
    outcome: str  # ok | server error | timeout | dropped | no reply | refused (4xx)
    replies: List[str] = field(default_factory=list)  # the reply's text parts, in order
    detail: str = ""
    route: str = ""  # a knowledge answer's route (catalogue, prepared, extractive, generated, refusal)

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def text_parts(messages: Sequence[Dict[str, Any]]) -> List[str]:
    """The texts of a reply's messages (REST: {"text"} or {"custom"}; socket.io: {"text"} or the payload itself,
    which always has a "type")."""
    return [m["text"] for m in messages if isinstance(m, dict) and m.get("text") and "type" not in m]


def answer_route(messages: Sequence[Dict[str, Any]]) -> str:
    """The route of the knowledge answer in a reply (its `answer` payload), else ""."""
    for m in messages:
        payload = m.get("custom", m) if isinstance(m, dict) else {}
        if isinstance(payload, dict) and payload.get("type") == "answer":
            return str(payload.get("route") or "")
    return ""


class RestShopper:
    """A shopper on Rasa's REST webhook (guarded by connectors/rest_guarded.py)."""

    channel = "rest"

    def __init__(self, stack: Stack, http: aiohttp.ClientSession, sender: str, timeout_s: float) -> None:
        self.url = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.http, self.sender, self.timeout_s = http, sender, timeout_s

    async def open(self) -> None:
        return None

    async def say(self, text: str) -> Tuple[str, List[Dict[str, Any]], str, Optional[float]]:
        """(outcome, reply messages, detail, None: the reply is complete when the call returns)."""
        try:
            async with self.http.post(self.url, json={"sender": self.sender, "message": text},
                                      timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as response:
                body = await response.text()
                if response.status >= 500:
                    return "server error", [], f"HTTP {response.status}: {body[:200]}", None
                if response.status >= 400:
                    return "refused (4xx)", [], f"HTTP {response.status}: {body[:200]}", None
                messages = json.loads(body)
        except asyncio.TimeoutError:
            return "timeout", [], f"no answer in {self.timeout_s:.0f} s", None
        except (aiohttp.ClientError, ValueError) as error:
            return "dropped", [], repr(error)[:200], None
        return ("ok" if messages else "no reply"), messages, "", None

    async def close(self) -> None:
        return None


async def join_socket(stack: Stack, client: socketio.AsyncClient, timeout_s: float = 30) -> str:
    """Join Rasa's socket.io channel the way the web chat page does (connectors/webchat/static/chat.js): its
    settings from /config.json, a conversation and a short-lived ticket from POST /api/session (bound to this
    "browser" by a cookie), then `session_request` with the ticket. Returns the conversation id Rasa confirms (its
    sender id); a web chat without /api/session leaves the id to Rasa."""
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as browser:  # own cookie jar
        async with browser.get(f"{stack.webchat_url}/config.json") as response:
            page = await response.json()
        async with browser.post(f"{stack.webchat_url}/api/session", json={}) as response:
            session = await response.json() if response.status == 200 else {}
    await client.connect(stack.rasa_url, socketio_path=page.get("socketPath", "/socket.io"),
                         transports=page.get("transports", ["websocket"]), wait_timeout=timeout_s)
    await client.emit("session_request", {"session_id": session.get("conversation_id"),
                                          "ticket": session.get("ticket")})
    data = await asyncio.wait_for(confirmed, timeout_s)
    conversation = data.get("session_id") if isinstance(data, dict) else str(data)
    if session.get("conversation_id") and conversation != session["conversation_id"]:
        raise RuntimeError("Rasa did not accept the web chat's ticket")
    return conversation


class SocketShopper:
    """A shopper on Rasa's socket.io channel (python-socketio client, websocket transport, like the page)."""

    channel = "socketio"

    def __init__(self, stack: Stack, timeout_s: float) -> None:
        self.stack, self.timeout_s = stack, timeout_s
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.dropped = asyncio.Event()
        self.sender = ""
        self.sent = 0  # messages Rasa took from this shopper
        self.http: Optional[aiohttp.ClientSession] = None
        self.received: List[Tuple[float, Dict[str, Any]]] = []  # every bot message of the conversation, in order
        self.client.on("bot_uttered", self._bot_uttered)
        for refusal in REFUSAL_EVENTS:
            self.client.on(refusal, lambda data=None, name=refusal: self.inbox.put_nowait(
                (name, data, time.monotonic())))
        self.client.on("disconnect", lambda *args: self.dropped.set())

    def _bot_uttered(self, data: Any) -> None:
        now = time.monotonic()
        self.received.append((now, data if isinstance(data, dict) else {"text": str(data)}))
        self.inbox.put_nowait(("bot_uttered", data, now))

    async def open(self) -> None:
        self.sender = await join_socket(self.stack, self.client, self.timeout_s)

    async def say(self, text: str) -> Tuple[str, List[Dict[str, Any]], str, Optional[float]]:
        """(outcome, reply messages, detail, when the last one came): the shopper takes the reply to be every bot
        message until QUIET_S passes without one. A part of it that comes later is put back with its turn by
        `align_socket_replies`, from the tracker."""
        while not self.inbox.empty():
            self.inbox.get_nowait()
        try:
            if self.dropped.is_set():
                raise ConnectionError("the socket was closed before the turn")
            await self.client.emit("user_uttered", {"message": text, "session_id": self.sender})
            turn_deadline = time.monotonic() + self.timeout_s
            messages = [await self._next(self.timeout_s)]
            if messages[0][0] not in REFUSAL_EVENTS:
                self.sent += 1
            while True:
                try:
                    messages.append(await self._next(QUIET_S))
                except asyncio.TimeoutError:
                    if messages[0][0] in REFUSAL_EVENTS or time.monotonic() > turn_deadline \
                            or await self._turn_over():
                        break
        except asyncio.TimeoutError:
            return "timeout", [], f"no answer in {self.timeout_s:.0f} s", None
        except (ConnectionError, socketio.exceptions.SocketIOError) as error:
            return "dropped", [], str(error)[:200] or repr(error), None
        last_at = messages[-1][2]
        errors = [data for name, data, _ in messages if name in REFUSAL_EVENTS]
        if errors:
            return "refused (4xx)", [], json.dumps(errors[0], ensure_ascii=False)[:200], last_at
        return "ok", [data for _, data, _ in messages], "", last_at

    async def _turn_over(self) -> bool:
        """Rasa has logged every message this shopper sent and listens again: the reply is complete (silence alone
        can be a queue: under load the conversation's next turn may still wait for its lock)."""
        if self.http is None:
            self.http = aiohttp.ClientSession()
        events = await tracker_events(self.stack, self.http, self.sender)
        logged = sum(1 for event in events if event.get("event") == "user")
        return logged >= self.sent and bool(events) and events[-1].get("name") == "action_listen"

    async def _next(self, timeout_s: float) -> Tuple[str, Any, float]:
        """The next event, or TimeoutError; ConnectionError once the server closed the socket."""
        get = asyncio.ensure_future(self.inbox.get())
        drop = asyncio.ensure_future(self.dropped.wait())
        done, _ = await asyncio.wait({get, drop}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        for task in (get, drop):
            if task not in done:
                task.cancel()
        if get in done:
            return get.result()
        if drop in done:
            raise ConnectionError("the server closed the socket")
        raise asyncio.TimeoutError

    async def close(self) -> None:
        await self.client.disconnect()
        if self.http is not None:
            await self.http.close()


# ---------------------------------------------------------------- shoppers and levels


@dataclass
class Conversation:
    """One shopper's conversation: its id, channel and turns; over socket.io, also every bot message it received
    with its arrival (seconds since the level began), whichever turn the shopper took it for."""

    sender: str
    channel: str
    turns: List[Turn]
    received: List[Tuple[float, Dict[str, Any]]] = field(default_factory=list)


async def shopper_run(stack: Stack, http: aiohttp.ClientSession, level: int, number: int, turns: int,
                      channel: str, clock0: float, timeout_s: float, run_tag: str, finished: List[Turn],
                      deadline_s: Optional[float] = None) -> Conversation:
    """One shopper's conversation, turn after turn, on one channel; each turn is also added to `finished`. No turn
    starts after `deadline_s` (seconds from clock0)."""
    if channel == "rest":
        shopper: Any = RestShopper(stack, http, f"load-{run_tag}-{level}-{number}", timeout_s)
    else:
        shopper = SocketShopper(stack, timeout_s)
    done: List[Turn] = []
    try:
        await shopper.open()
    except Exception as error:  # a refused or failed connection counts as this shopper's first turn failing
        now = time.monotonic() - clock0
        done.append(Turn(level, "", channel, 0, "connect", "", now, now, "dropped", [], repr(error)[:200]))
        finished.extend(done)
        return Conversation("", channel, done)
    for index, (kind, text) in enumerate(conversation(number, turns)):
        started = time.monotonic() - clock0
        if deadline_s is not None and started > deadline_s:
            break
        outcome, messages, detail, last_at = await shopper.say(text)
        ended = (last_at or time.monotonic()) - clock0
        done.append(Turn(level, shopper.sender, channel, index, kind, text, started, ended, outcome,
                         text_parts(messages), detail, answer_route(messages)))
        finished.append(done[-1])
        if outcome == "dropped":
            break
    await shopper.close()
    received = [(at - clock0, message) for at, message in getattr(shopper, "received", [])]
    return Conversation(shopper.sender, channel, done, received)


@dataclass
class BigMessage:
    """The 1 MB message, once per channel, and what came of it."""

    channel: str
    started: float
    ended: float
    status: str  # e.g. "HTTP 413" or "socket closed by the server"
    error: str  # the error the shopper was shown
    refused: bool  # a 4xx with an error, a refusal event, or the socket closed: never a reply or a 5xx
    in_tracker: bool  # did Rasa log it as a user message (it must not)
    next_turn_ok: bool  # the same shopper's next, ordinary message was answered
    ordinary_p50_s: float = float("nan")  # other shoppers' turns in flight at the same time (set by run_level)

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def quick(self) -> bool:
        return self.seconds <= REFUSE_LIMIT_S or self.seconds <= self.ordinary_p50_s


async def big_rest(stack: Stack, http: aiohttp.ClientSession, clock0: float, timeout_s: float,
                   sender: str) -> BigMessage:
    started = time.monotonic() - clock0
    status, error = "", ""
    try:
        async with http.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": big_text()},
                             timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            status = f"HTTP {response.status}"
            body = await response.text()
            try:
                error = str(json.loads(body).get("error", ""))
            except (ValueError, AttributeError):
                error = body[:200]
    except asyncio.TimeoutError:
        status = f"no answer in {timeout_s:.0f} s"
    except aiohttp.ClientError as problem:
        status = f"dropped: {problem!r}"[:200]
    ended = time.monotonic() - clock0
    refused = status.startswith("HTTP 4") and bool(error)
    outcome, _, _, _ = await RestShopper(stack, http, sender, timeout_s).say("hi")
    return BigMessage("rest", started, ended, status, error, refused, await oversized_in_tracker(stack, http, sender),
                      outcome == "ok")


async def big_socket(stack: Stack, http: aiohttp.ClientSession, clock0: float, timeout_s: float) -> BigMessage:
    shopper = SocketShopper(stack, timeout_s)
    await shopper.open()
    started = time.monotonic() - clock0
    outcome, messages, detail, last_at = await shopper.say(big_text())
    ended = (last_at or time.monotonic()) - clock0
    if outcome == "dropped":
        status, error = "socket closed by the server", detail
    elif outcome == "refused (4xx)":
        status, error = "refusal event", detail
    else:
        status, error = outcome, " / ".join(text_parts(messages))[:200]
    await shopper.close()
    refused = outcome in ("dropped", "refused (4xx)")
    in_tracker = await oversized_in_tracker(stack, http, shopper.sender)
    again = SocketShopper(stack, timeout_s)  # a new page load: the shopper carries on
    await again.open()
    next_outcome, _, _, _ = await again.say("hi")
    await again.close()
    return BigMessage("socketio", started, ended, status, error, refused, in_tracker, next_outcome == "ok")


def big_text() -> str:
    return ("ab" * (BIG_MESSAGE_CHARS // 2 + 1))[:BIG_MESSAGE_CHARS]


async def tracker_events(stack: Stack, http: aiohttp.ClientSession, sender: str) -> List[Dict[str, Any]]:
    async with http.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.rasa_token},
                        timeout=aiohttp.ClientTimeout(total=60)) as response:
        response.raise_for_status()
        return (await response.json()).get("events") or []


async def settled_events(stack: Stack, http: aiohttp.ClientSession, run: "Conversation",
                         wait_s: float = 120) -> List[Dict[str, Any]]:
    """The tracker once Rasa has logged and answered every message the shopper sent (up to `wait_s`). Over socket.io a
    shopper moves on after QUIET_S of silence, so under load its last messages may still wait for the conversation's
    lock when the level ends; reading the tracker then would call them lost."""
    sent = sum(1 for turn in run.turns if turn.outcome != "refused (4xx)")
    deadline = time.monotonic() + wait_s
    while True:
        events = await tracker_events(stack, http, run.sender)
        logged = sum(1 for event in events if event.get("event") == "user")
        answered = bool(events) and events[-1].get("event") == "action" and events[-1].get("name") == "action_listen"
        if (logged >= sent and answered) or time.monotonic() > deadline:
            return events
        await asyncio.sleep(0.5)


async def oversized_in_tracker(stack: Stack, http: aiohttp.ClientSession, sender: str) -> bool:
    events = await tracker_events(stack, http, sender)
    return any(e.get("event") == "user" and len(e.get("text") or "") > MAX_MESSAGE for e in events)


def channel_messages(event: Dict[str, Any]) -> List[Optional[str]]:
    """The messages Rasa's socket.io channel sends for one bot event (OutputChannel.send_response): one per
    paragraph of the text, then one each for a custom payload, an image, an attachment; None stands for a message
    without text."""
    data = event.get("data") or {}
    texts: List[Optional[str]] = [part for part in (event.get("text") or "").strip().split("\n\n") if part]
    return texts + [None for key in ("custom", "image", "attachment", "elements") if data.get(key)]


def logged_turns(events: List[Dict[str, Any]]) -> List[Tuple[str, List[Optional[str]]]]:
    """Per user message in a tracker: its text and the messages of the bot's reply to it (channel_messages)."""
    logged: List[Tuple[str, List[Optional[str]]]] = []
    for event in events:
        if event.get("event") == "user":
            logged.append((event.get("text") or "", []))
        elif event.get("event") == "bot" and logged:
            logged[-1][1].extend(channel_messages(event))
    return logged


def align_socket_replies(run: Conversation, events: List[Dict[str, Any]]) -> List[str]:
    """Socket.io has no end-of-turn marker, so a reply can outlast the shopper's QUIET_S wait. The messages a
    socket received are in the order Rasa sent them; the tracker says how many belong to each user message. This
    gives each turn its own messages back (and its latency: until its last message arrived). Returns the problems:
    messages missing, extra or out of place."""
    sent = [t for t in run.turns if t.outcome == "ok"]
    logged = logged_turns(events)
    if [t.text for t in sent] != [text for text, _ in logged]:
        return []  # order_problems reports it
    problems, position = [], 0
    for turn, (_, expected) in zip(sent, logged):
        mine = run.received[position:position + len(expected)]
        position += len(expected)
        texts = [message.get("text") if "type" not in message else None for _, message in mine]
        if texts != expected:
            problems.append(f"turn {turn.index} ({turn.text!r}): got {texts} where the tracker logged {expected}")
            continue
        if mine:
            turn.ended = mine[-1][0]
        turn.replies = [text for text in texts if text]
        turn.route = answer_route([message for _, message in mine])
    if position < len(run.received):
        problems.append(f"{len(run.received) - position} messages received that the tracker did not log")
    elif position > len(run.received):
        problems.append(f"{position - len(run.received)} messages the tracker logged never arrived")
    return problems


def order_problems(turns: List[Turn], events: List[Dict[str, Any]]) -> List[str]:
    """Where one conversation's tracker disagrees with what its shopper sent and got: the user messages must be
    the ones sent, in the order sent, each once; the bot's texts after each must be the reply the shopper got."""
    sent = [t for t in turns if t.outcome == "ok"]
    logged = logged_turns(events)
    if [t.text for t in sent] != [text for text, _ in logged]:
        return [f"user messages logged {[text for text, _ in logged]} != sent {[t.text for t in sent]}"]
    problems = []
    for turn, (_, expected) in zip(sent, logged):
        # compared as one text: the REST channel sends a text with buttons whole, socket.io by paragraph
        if "\n\n".join(turn.replies) != "\n\n".join(text for text in expected if text):
            problems.append(f"turn {turn.index} ({turn.text!r}): got {turn.replies} but the tracker logged "
                            f"{[text for text in expected if text]}")
    return problems


@dataclass
class Level:
    shoppers: int
    turns_each: int
    seconds: float
    turns: List[Turn]
    order_problems: Dict[str, List[str]]
    big: List[BigMessage] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.turns) / self.seconds if self.seconds else 0.0


async def run_level(stack: Stack, shoppers: int, turns: int, timeout_s: float, with_big: bool = False,
                    progress: bool = True, max_seconds: Optional[float] = None) -> Level:
    """`shoppers` at once (half REST, half socket.io), each `turns` turns, none started after `max_seconds`; one
    shopper on its own runs over REST then over socket.io, so the baseline has the same mix. With `with_big`, one
    more shopper sends the 1 MB message over REST, then over socket.io, once a third of the turns (or of the time)
    is done."""
    run_tag = f"{random.getrandbits(32):08x}"
    clock0 = time.monotonic()
    total = shoppers * turns if shoppers > 1 else 2 * turns
    finished: List[Turn] = []
    big: List[BigMessage] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def staggered(number: int, channel: str) -> Conversation:
            await asyncio.sleep(0.05 * number)  # not all in the same millisecond
            # the lone shopper's two conversations (REST, then socket.io) share the level's time
            budget = max_seconds / 2 if max_seconds and shoppers == 1 else max_seconds
            deadline = time.monotonic() - clock0 + budget if budget else None
            return await shopper_run(stack, http, shoppers, number, turns, channel, clock0, timeout_s, run_tag,
                                     finished, deadline)

        async def big_sender() -> None:
            while len(finished) < total // 3 and time.monotonic() - clock0 < (max_seconds or float("inf")) / 3:
                await asyncio.sleep(0.1)
            big.append(await big_rest(stack, http, clock0, timeout_s, f"load-{run_tag}-big"))
            await asyncio.sleep(1.0)
            big.append(await big_socket(stack, http, clock0, timeout_s))

        reporter = asyncio.ensure_future(report_progress(shoppers, total, finished, clock0)) if progress else None
        try:
            if shoppers == 1:
                runs = [await staggered(0, "rest"), await staggered(1, "socketio")]
            else:
                tasks = [staggered(n, "rest" if n % 2 == 0 else "socketio") for n in range(shoppers)]
                runs = list(await asyncio.gather(*tasks, *([big_sender()] if with_big else [])))[:shoppers]
        finally:
            if reporter:
                reporter.cancel()
        seconds = time.monotonic() - clock0
        problems: Dict[str, List[str]] = {}
        for run in runs:
            if run.sender:
                events = await settled_events(stack, http, run)
                found = (align_socket_replies(run, events) if run.channel == "socketio" else []) \
                    or order_problems(run.turns, events)
                if found:
                    problems[run.sender] = found
    all_turns = [t for run in runs for t in run.turns]
    for message in big:
        message.ordinary_p50_s = percentile([t.seconds for t in all_turns if t.outcome == "ok"
                                             and overlaps(t, [(message.started, message.ended)])], 50)
    return Level(shoppers, turns, seconds, all_turns, problems, big)


async def report_progress(shoppers: int, total: int, finished: List[Turn], clock0: float) -> None:
    while True:
        await asyncio.sleep(10)
        print(f"    {shoppers} shoppers: {time.monotonic() - clock0:.0f} s, {len(finished)}/{total} turns done",
              flush=True)


# ---------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))]


def server_errors(turns: Sequence[Turn]) -> List[Turn]:
    """Ordinary turns that got no proper reply: 5xx, timeout, dropped connection, empty reply, or even a 4xx."""
    return [t for t in turns if t.outcome != "ok"]


def big_windows(level: Level) -> List[Tuple[float, float]]:
    """Each big message's time, from sending it to BIG_AFTER_S after its answer."""
    return [(b.started, b.ended + BIG_AFTER_S) for b in level.big]


def overlaps(turn: Turn, windows: Sequence[Tuple[float, float]]) -> bool:
    return any(turn.started < end and turn.ended > start for start, end in windows)


def overlap_split(level: Level) -> Tuple[List[float], List[float]]:
    """Latencies (s) of the turns in flight during a big message's window, and of all the others."""
    windows = big_windows(level)
    during = [t.seconds for t in level.turns if t.outcome == "ok" and overlaps(t, windows)]
    others = [t.seconds for t in level.turns if t.outcome == "ok" and not overlaps(t, windows)]
    return during, others


def doubling_point(levels: Sequence[Level]) -> Dict[str, Any]:
    """The throughput at which the median turn latency reaches twice the one-shopper median (linear between the
    two levels that bracket it), or the highest measured if it never does."""
    base = levels[0]
    base_p50 = statistics.median(t.seconds for t in base.turns if t.outcome == "ok")
    previous = (base.shoppers, base.throughput, base_p50)
    for level in levels[1:]:
        p50 = statistics.median(t.seconds for t in level.turns if t.outcome == "ok")
        if p50 >= 2 * base_p50:
            share = (2 * base_p50 - previous[2]) / (p50 - previous[2]) if p50 > previous[2] else 1.0
            return {"reached": True, "baseline_p50_s": base_p50, "between_shoppers": [previous[0], level.shoppers],
                    "throughput_turns_per_s": previous[1] + share * (level.throughput - previous[1]),
                    "shoppers": previous[0] + share * (level.shoppers - previous[0])}
        previous = (level.shoppers, level.throughput, p50)
    return {"reached": False, "baseline_p50_s": base_p50, "between_shoppers": None,
            "throughput_turns_per_s": max(level.throughput for level in levels), "shoppers": None}


def latency_row(name: str, channel: str, turns: Sequence[Turn]) -> Dict[str, Any]:
    values = [t.seconds for t in turns if t.outcome == "ok"]
    return {"kind": name, "channel": channel, "n": len(values), "p50_s": percentile(values, 50),
            "p95_s": percentile(values, 95), "max_s": max(values) if values else float("nan")}


def log_errors(stack: Stack, offsets: Dict[str, int]) -> Dict[str, List[str]]:
    """Tracebacks and ERROR lines each service logged since `offsets` (bytes into its log)."""
    found: Dict[str, List[str]] = {}
    for service in stack.services:
        with open(service.log_path, "rb") as log:
            log.seek(offsets.get(service.name, 0))
            lines = log.read().decode("utf-8", errors="replace").splitlines()
        bad = [line for line in lines if re.search(r"Traceback|\bERROR\b|\bCRITICAL\b", line)]
        # the exception itself: the first unindented line after each traceback
        bad += [next((later for later in lines[at + 1:] if later and not later.startswith(" ")), "")
                for at, line in enumerate(lines) if line.startswith("Traceback")]
        if bad:
            found[service.name] = bad[:20]
    return found


def log_offsets(stack: Stack) -> Dict[str, int]:
    return {service.name: service.log_path.stat().st_size for service in stack.services}


def summary(levels: Sequence[Level], log_problems: Dict[str, List[str]]) -> Dict[str, Any]:
    """Everything the report shows, as plain values (reports/load.json)."""
    full = levels[-1]
    kinds = list(dict.fromkeys(t.kind for t in full.turns))
    rows = [latency_row(kind, "both", [t for t in full.turns if t.kind == kind]) for kind in kinds]
    knowledge = [t for t in full.turns if t.kind == "knowledge" and t.outcome == "ok"]
    routes = Counter(t.route or "no answer payload" for t in knowledge)
    rows += [latency_row(f"knowledge, {route} answer", "both", [t for t in knowledge
                                                                 if (t.route or "no answer payload") == route])
             for route, _ in routes.most_common()]
    rows += [latency_row(kind, channel, [t for t in full.turns if t.kind == kind and t.channel == channel])
             for kind in kinds for channel in ("rest", "socketio")]
    rows += [latency_row("all turns", channel, [t for t in full.turns if channel in ("both", t.channel)])
             for channel in ("both", "rest", "socketio")]
    during, others = overlap_split(full)
    return {
        "shoppers": full.shoppers,
        "turns_per_shopper": full.turns_each,
        "turns": len(full.turns),
        "turns_planned": full.shoppers * full.turns_each,
        "seconds": round(full.seconds, 1),
        "server_errors": len(server_errors([t for level in levels for t in level.turns])),
        "server_error_examples": [asdict(t) for t in server_errors([t for lv in levels for t in lv.turns])[:5]],
        "service_log_errors": log_problems,
        "order_kept": not any(level.order_problems for level in levels),
        "order_problems": {s: p for level in levels for s, p in level.order_problems.items()},
        "conversations_checked": sum(len({t.shopper for t in level.turns if t.shopper}) for level in levels),
        "latency": rows,
        "knowledge_routes": dict(routes),
        "big_message": [dict(asdict(b), seconds=b.seconds, quick=b.quick) for b in full.big],
        "during_big_message": {"windows_s": big_windows(full), "n": len(during), "p50_s": percentile(during, 50),
                               "p95_s": percentile(during, 95)},
        "other_turns": {"n": len(others), "p50_s": percentile(others, 50), "p95_s": percentile(others, 95)},
        "ramp": [{"shoppers": lv.shoppers, "turns": len(lv.turns), "seconds": round(lv.seconds, 1),
                  "throughput_turns_per_s": lv.throughput,
                  "p50_s": percentile([t.seconds for t in lv.turns if t.outcome == "ok"], 50),
                  "p95_s": percentile([t.seconds for t in lv.turns if t.outcome == "ok"], 95),
                  "rest_p50_s": percentile([t.seconds for t in lv.turns if t.outcome == "ok"
                                            and t.channel == "rest"], 50),
                  "socketio_p50_s": percentile([t.seconds for t in lv.turns if t.outcome == "ok"
                                                and t.channel == "socketio"], 50),
                  "server_errors": len(server_errors(lv.turns))} for lv in levels],
        "doubling": doubling_point(levels),
        "quiet_s": QUIET_S,
    }


# ---------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.0f}"


def write_report(result: Dict[str, Any], levels: Sequence[Level], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    d, during, others = result["doubling"], result["during_big_message"], result["other_turns"]
    lines = [
        f"# Load: {result['shoppers']} concurrent shoppers × {result['turns_per_shopper']} turns",
        "",
        "`make bench-load`: the real Rasa, action server, knowledge service, web chat and desk on loopback "
        "(scripts/stack.py), on this machine's 2 CPU cores. Half the shoppers use Rasa's REST webhook, half its "
        "socket.io channel (python-socketio, websocket, with a ticket from the web chat as the page does); each "
        "plays one conversation a turn at a time. A turn lasts until the last message of its reply. Socket.io has "
        f"no end-of-turn marker: after {QUIET_S:.1f} s of silence a shopper asks Rasa's tracker whether its message "
        "was answered and Rasa listens again, and only then sends the next (the wait is not counted), "
        "and each message received is matched to its turn afterwards from Rasa's tracker. No turn starts after "
        "the level's time limit.",
        "",
        "| held | value |",
        "|---|---|",
        f"| turns in the full run | {result['turns']} of {result['turns_planned']} in {result['seconds']} s "
        f"(no turn starts after the time limit) |",
        f"| server errors (5xx, timeouts, dropped connections, empty replies), all levels | "
        f"{result['server_errors']} |",
        f"| tracebacks / ERROR lines in the services' logs | "
        f"{sum(len(lines) for lines in result['service_log_errors'].values())} |",
        f"| order kept (tracker vs what each shopper sent and got) | "
        f"{'yes' if result['order_kept'] else 'NO'}, {result['conversations_checked']} conversations |",
        f"| latency doubles at | {doubling_text(d)} |",
        "",
        "## Latency per kind of turn (full run)",
        "",
        "| kind | channel | n | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['kind']} | {r['channel']} | {r['n']} | {ms(r['p50_s'])} | {ms(r['p95_s'])} | {ms(r['max_s'])} |"
              for r in result["latency"] if r["n"]]
    lines += [
        "",
        "## Ramp: when does latency double?",
        "",
        "Same conversations at each level; the 1-shopper baseline (one REST, then one socket.io conversation) is "
        "measured in the same run.",
        "",
        "| shoppers | turns | throughput turns/s | p50 ms | p95 ms | REST p50 ms | socket.io p50 ms | × baseline p50 "
        "| server errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = result["ramp"][0]["p50_s"]
    lines += [f"| {r['shoppers']} | {r['turns']} | {r['throughput_turns_per_s']:.2f} | {ms(r['p50_s'])} | "
              f"{ms(r['p95_s'])} | {ms(r['rest_p50_s'])} | {ms(r['socketio_p50_s'])} | {r['p50_s'] / base:.1f} | "
              f"{r['server_errors']} |" for r in result["ramp"]]
    lines += ["", "![latency and throughput by concurrent shoppers](load.png)", "",
              "## The 1 MB message", "",
              f"One more shopper sent {BIG_MESSAGE_CHARS:,} characters (letters, no spaces) during the full run.",
              "",
              "| channel | answer | error shown | took ms | others' turns then, p50 ms | refused | logged by Rasa "
              "| next message answered |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {b['channel']} | {b['status']} | {b['error'][:90]} | {b['seconds'] * 1000:.0f} | "
              f"{ms(b['ordinary_p50_s'])} | {'yes' if b['refused'] else 'NO'} | {'YES' if b['in_tracker'] else 'no'} | "
              f"{'yes' if b['next_turn_ok'] else 'NO'} |" for b in result["big_message"]]
    if during["windows_s"]:
        spans = ", ".join(f"{start:.1f}–{end:.1f} s" for start, end in during["windows_s"])
        lines += ["",
                  f"Delay caused: the other shoppers' turns in flight while a big message was sent or up to "
                  f"{BIG_AFTER_S:.0f} s after its answer (t = {spans}): {during['n']} turns, p50 "
                  f"{ms(during['p50_s'])} ms, p95 {ms(during['p95_s'])} ms; all other turns of the run: "
                  f"{others['n']}, p50 {ms(others['p50_s'])} ms, p95 {ms(others['p95_s'])} ms."]
    if result["order_problems"] or result["server_error_examples"] or result["service_log_errors"]:
        lines += ["", "## Problems", "", "```", json.dumps({k: result[k] for k in (
            "order_problems", "server_error_examples", "service_log_errors")}, indent=1, ensure_ascii=False)[:6000],
            "```"]
    (out / "load.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(result, levels, out / "load.png")


def doubling_text(d: Dict[str, Any]) -> str:
    base = f"baseline (1 shopper) p50 {ms(d['baseline_p50_s'])} ms"
    if not d["reached"]:
        return f"not reached; {base}; highest throughput {d['throughput_turns_per_s']:.2f} turns/s"
    low, high = d["between_shoppers"]
    return (f"{d['throughput_turns_per_s']:.2f} turns/s (about {d['shoppers']:.0f} concurrent shoppers, between "
            f"{low} and {high}); {base}")


def plot(result: Dict[str, Any], levels: Sequence[Level], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ramp, timeline) = plt.subplots(1, 2, figsize=(11, 4))
    shoppers = [r["shoppers"] for r in result["ramp"]]
    ramp.plot(shoppers, [r["p50_s"] * 1000 for r in result["ramp"]], "o-", color="#2a7f8f", label="p50")
    ramp.plot(shoppers, [r["p95_s"] * 1000 for r in result["ramp"]], "s--", color="#8f2a4f", label="p95")
    ramp.axhline(2 * result["doubling"]["baseline_p50_s"] * 1000, color="grey", linestyle=":",
                 label="2 × 1-shopper p50")
    ramp.set_xscale("log")
    ramp.set_xticks(shoppers, [str(n) for n in shoppers])
    ramp.minorticks_off()
    ramp.set_xlabel("concurrent shoppers")
    ramp.set_ylabel("turn latency (ms)")
    ramp.set_title("Latency and throughput by load")
    rate = ramp.twinx()
    rate.plot(shoppers, [r["throughput_turns_per_s"] for r in result["ramp"]], "^-", color="#d08a1a",
              label="throughput")
    rate.set_ylabel("turns / s")
    handles = ramp.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    ramp.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)

    full = levels[-1]
    for channel, colour in (("rest", "#2a7f8f"), ("socketio", "#d08a1a")):
        ok = [t for t in full.turns if t.channel == channel and t.outcome == "ok"]
        timeline.scatter([t.started for t in ok], [t.seconds * 1000 for t in ok], s=6, color=colour,
                         label=channel)
    for n, (start, end) in enumerate(result["during_big_message"]["windows_s"]):
        timeline.axvspan(start, end, color="#cc3333", alpha=0.15,
                         label=f"1 MB message (+{BIG_AFTER_S:.0f} s)" if n == 0 else None)
    timeline.set_yscale("log")
    timeline.set_xlabel("seconds into the full run")
    timeline.set_ylabel("turn latency (ms)")
    timeline.set_title(f"{full.shoppers} shoppers: each turn")
    timeline.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main


async def bench(stack: Stack, shoppers: int, turns: int, ramp: Sequence[int], ramp_turns: int, timeout_s: float,
                max_seconds: float, ramp_seconds: float) -> Tuple[Dict[str, Any], List[Level]]:
    offsets = log_offsets(stack)
    levels = []
    for count in [c for c in ramp if c < shoppers] + [shoppers]:
        full = count == shoppers
        print(f"==> {count} concurrent shoppers × {turns if full else ramp_turns} turns"
              f"{' with the 1 MB message' if full else ''}", flush=True)
        level = await run_level(stack, count, turns if full else ramp_turns, timeout_s, with_big=full,
                                max_seconds=max_seconds if full else ramp_seconds)
        levels.append(level)
        ok = [t.seconds for t in level.turns if t.outcome == "ok"]
        print(f"    {len(level.turns)} turns in {level.seconds:.1f} s ({level.throughput:.2f}/s), p50 "
              f"{ms(percentile(ok, 50))} ms, p95 {ms(percentile(ok, 95))} ms, server errors "
              f"{len(server_errors(level.turns))}, order problems {len(level.order_problems)}", flush=True)
    return summary(levels, log_errors(stack, offsets)), levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--ramp", default=",".join(map(str, RAMP)), help="smaller levels first, e.g. 1,5,10,25")
    parser.add_argument("--ramp-turns", type=int, default=8, help="turns per shopper at the smaller levels")
    parser.add_argument("--max-seconds", type=float, default=420,
                        help="no turn of the full run starts after this (a busy machine finishes fewer turns)")
    parser.add_argument("--ramp-seconds", type=float, default=75, help="the same for each smaller level")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one turn may take")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    ramp = sorted({int(n) for n in args.ramp.split(",") if n.strip()} | {1})

    started = time.monotonic()
    print("==> starting the stack (about 2 minutes)", flush=True)
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        print(f"    up in {time.monotonic() - started:.0f} s", flush=True)
        result, levels = asyncio.run(bench(stack, args.shoppers, args.turns, ramp, args.ramp_turns, args.timeout,
                                           args.max_seconds, args.ramp_seconds))
    write_report(result, levels, args.out)
    print((args.out / "load.md").read_text(encoding="utf-8"))
    print(f"wrote {args.out / 'load.md'}, load.png and load.json in {time.monotonic() - started:.0f} s")
    failed = (result["server_errors"] or result["service_log_errors"] or not result["order_kept"]
              or not all(b["refused"] and b["quick"] and not b["in_tracker"] for b in result["big_message"]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
