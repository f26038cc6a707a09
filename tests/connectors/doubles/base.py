"""What every platform double shares: an aiohttp app on a loopback port that records the connector's outbound API
calls, answers them like the platform (or with scripted errors), and collects schema violations.

A platform double subclasses `PlatformDouble`, registers its API routes with `add_route`, and in each handler
checks the request against the platform's documented schema, calling `violation(call, why)` for every breach:

    class TelegramDouble(PlatformDouble):
        def __init__(self):
            super().__init__("telegram")
            self.add_route("POST", "/bot{token}/sendMessage", self.send_message)

        async def send_message(self, request):
            call = request["call"]              # the recorded Call (body already read and parsed)
            if len(call.json.get("text", "")) > 4096:
                self.violation(call, "text longer than 4096 characters")
            return {"ok": True, "result": {...}}  # a dict is answered as JSON with status 200

Handlers are plain aiohttp handlers: they get the `web.Request` (with the recorded `Call` at `request["call"]`, also
`request[CALL]`) and return a `web.StreamResponse`, or a dict / list that is answered as JSON.

Two ways to run a double:
- async code: `async with double.serving(port): ...` (or `await double.start(port)` / `await double.stop()`);
- sync tests (the `stack` fixture, `requests`): `with double.in_background(port): ...` runs it on its own event
  loop in a thread; `double.run(coroutine)` runs a coroutine there (e.g. posting a webhook) and
  `double.wait_for(predicate)` polls the recorded calls.

`fail_next(status, body, headers, times)` makes the next `times` calls (optionally only those whose path contains
`path`) answer with that error instead of reaching the handler: 429 with Retry-After, 5xx, an expired token...
Failed calls are still recorded (`call.answered` holds the status sent) so a test can see the retry.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import warnings
from collections import deque
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs

from aiohttp import ClientSession, ClientTimeout, web

Handler = Callable[[web.Request], Awaitable[Any]]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def json_fixture(platform: str, name: str) -> Any:
    """A documented example from tests/connectors/fixtures/<platform>/, parsed afresh (callers may change it)."""
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


@dataclass
class Call:
    """One outbound API call the connector made, as the double received it."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes
    json: Any = None  # the parsed JSON body, or None
    form: Dict[str, str] = field(default_factory=dict)  # a url-encoded or multipart form, flattened
    received_at: float = field(default_factory=time.monotonic)  # comparable with time.monotonic() in the test
    answered: int = 0  # the HTTP status the double answered with
    match_info: Dict[str, str] = field(default_factory=dict)  # path parameters, e.g. {"token": ...}

    @property
    def params(self) -> Dict[str, Any]:
        """The call's parameters wherever the client put them: JSON body, form, or query string."""
        if isinstance(self.json, dict):
            return self.json
        return {**self.query, **self.form}


CALL = web.RequestKey("call", Call)  # request[CALL] is the same Call as request["call"]


@dataclass
class ScriptedError:
    status: int
    body: Any
    headers: Dict[str, str]
    path: Optional[str]  # only calls whose path contains this, or any call


@dataclass
class Violation:
    """An outbound call that breaks the platform's documented request schema."""

    call: Call
    message: str

    def __str__(self) -> str:
        return f"{self.call.method} {self.call.path}: {self.message}"


class PlatformDouble:
    """Base for a platform's stand-in: routes, recorded calls, scripted errors, schema violations."""

    def __init__(self, name: str = "platform") -> None:
        self.name = name
        self.calls: List[Call] = []
        self.violations: List[Violation] = []
        self.port: Optional[int] = None
        self._routes: List[Tuple[str, str, Handler]] = []
        self._errors: Deque[ScriptedError] = deque()
        self._lock = threading.Lock()  # tests may script errors from another thread than the double's loop
        self._runner: Optional[web.AppRunner] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # --- configuration ------------------------------------------------------------------------------------------

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `path` (aiohttp syntax, e.g. "/bot{token}/sendMessage") with `handler`; add before `start`."""
        self._routes.append((method.upper(), path, handler))

    def fail_next(
        self,
        status: int,
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        times: int = 1,
        path: Optional[str] = None,
    ) -> None:
        """Answer the next `times` calls (whose path contains `path`, if given) with this error."""
        with self._lock:
            for _ in range(times):
                self._errors.append(ScriptedError(status, body, dict(headers or {}), path))

    def violation(self, call: Call, message: str) -> None:
        """Record that `call` breaks the documented schema; `assert_clean` then fails the test."""
        self.violations.append(Violation(call, message))

    def reset(self) -> None:
        """Forget calls, violations and scripted errors (between tests sharing one double)."""
        with self._lock:
            self.calls.clear()
            self.violations.clear()
            self._errors.clear()

    def assert_clean(self) -> None:
        assert not self.violations, f"{self.name}: schema violations: " + "; ".join(map(str, self.violations))

    @contextmanager
    def checked(self) -> Iterator["PlatformDouble"]:
        """One test's use of a shared double: nothing recorded or scripted before, no schema violation after."""
        self.reset()
        yield self
        self.assert_clean()

    # --- queries --------------------------------------------------------------------------------------------------

    def calls_to(self, path_part: str, answered_ok: bool = True) -> List[Call]:
        """Recorded calls whose path contains `path_part` (by default only those answered 2xx)."""
        return [c for c in list(self.calls)
                if path_part in c.path and (not answered_ok or 200 <= c.answered < 300)]

    async def wait_for_async(self, predicate: Callable[[], Any], timeout_s: float = 30.0, every_s: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(every_s)
        raise AssertionError(f"{self.name}: timed out after {timeout_s}s waiting; calls: {self.describe_calls()}")

    def wait_for(self, predicate: Callable[[], Any], timeout_s: float = 30.0, every_s: float = 0.02) -> Any:
        """Poll `predicate` from a sync test until it returns something truthy, which is returned."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(every_s)
        raise AssertionError(f"{self.name}: timed out after {timeout_s}s waiting; calls: {self.describe_calls()}")

    def describe_calls(self) -> str:
        return "; ".join(f"{c.method} {c.path} -> {c.answered} {c.body[:200]!r}" for c in list(self.calls)[-10:])

    # --- serving --------------------------------------------------------------------------------------------------

    def _take_error(self, path: str) -> Optional[ScriptedError]:
        with self._lock:
            for error in self._errors:
                if error.path is None or error.path in path:
                    self._errors.remove(error)
                    return error
        return None

    async def _record(self, request: web.Request) -> Call:
        body = await request.read()
        call = Call(
            method=request.method,
            path=request.path,
            query={k: v for k, v in request.query.items()},
            headers={k: v for k, v in request.headers.items()},
            body=body,
            match_info=dict(request.match_info),
        )
        content_type = request.content_type
        if content_type == "application/json" or body[:1] in (b"{", b"["):
            try:
                call.json = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self.violation(call, "body is not valid JSON")
        elif content_type == "application/x-www-form-urlencoded":
            call.form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        elif content_type.startswith("multipart/"):
            form = await request.post()
            call.form = {k: (v if isinstance(v, str) else getattr(v, "filename", "")) for k, v in form.items()}
        return call

    def _wrap(self, handler: Handler) -> Handler:
        async def recorded(request: web.Request) -> web.StreamResponse:
            call = await self._record(request)
            request[CALL] = call
            with warnings.catch_warnings():  # the plain "call" key too, which handlers are documented to use
                warnings.simplefilter("ignore", web.NotAppKeyWarning)
                request["call"] = call
            error = self._take_error(request.path)
            if error is not None:
                response = _as_response(error.body, error.status, error.headers)
            else:
                try:
                    response = _as_response(await handler(request), 200, {})
                except web.HTTPException as refusal:
                    response = refusal
            call.answered = response.status
            self.calls.append(call)  # once answered: a test that sees the call also sees how it was answered
            return response

        return recorded

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_routes([web.route(method, path, self._wrap(handler)) for method, path, handler in self._routes])
        return app

    async def start(self, port: int) -> "PlatformDouble":
        """Listen on 127.0.0.1:`port` (the one `Stack.double_ports[platform]` names)."""
        self.port = port
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @asynccontextmanager
    async def serving(self, port: int) -> AsyncIterator["PlatformDouble"]:
        await self.start(port)
        try:
            yield self
        finally:
            await self.stop()

    @contextmanager
    def in_background(self, port: int, start_timeout_s: float = 30.0) -> Iterator["PlatformDouble"]:
        """Serve from a thread with its own event loop, for sync tests; `run` submits coroutines to it."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        thread = threading.Thread(target=serve, name=f"{self.name}-double", daemon=True)
        thread.start()
        ready.wait(start_timeout_s)
        self._loop = loop
        try:
            self.run(self.start(port), start_timeout_s)
            yield self
        finally:
            try:
                self.run(self.stop(), start_timeout_s)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(start_timeout_s)
                loop.close()
                self._loop = None

    def run(self, coroutine: Awaitable[Any], timeout_s: float = 120.0) -> Any:
        """Run a coroutine on the background loop (see `in_background`) and return its result."""
        if self._loop is None:
            raise RuntimeError("run() needs the double started with in_background()")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    # --- sending webhooks ---------------------------------------------------------------------------------------

    async def post(
        self, url: str, body: bytes, headers: Optional[Dict[str, str]] = None, timeout_s: float = 30.0
    ) -> Tuple[int, str, float]:
        """POST a webhook body to the connector; returns (status, response text, monotonic time it was sent)."""
        async with ClientSession(timeout=ClientTimeout(total=timeout_s)) as session:
            sent_at = time.monotonic()
            async with session.post(url, data=body, headers=headers or {}) as response:
                return response.status, await response.text(), sent_at


def _as_response(result: Any, status: int, headers: Dict[str, str]) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if result is None:
        return web.Response(status=status, headers=headers)
    if isinstance(result, (bytes, str)):
        return web.Response(status=status, body=result if isinstance(result, bytes) else result.encode(),
                            headers=headers)
    return web.json_response(result, status=status, headers=headers)
