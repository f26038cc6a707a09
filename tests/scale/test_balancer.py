"""scripts/balancer.py: requests alternate between the backends and arrive whole (method, path, query string,
headers, body); the backend's answer comes back as it was; a backend that is down is a JSON 502."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from scripts.balancer import make_app
from scripts.stack import free_port

pytestmark = pytest.mark.scale


def echo(name: str) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response({"backend": name, "method": request.method, "raw_path": request.raw_path,
                                  "body": (await request.read()).decode(), "auth": request.headers.get("X-Auth")},
                                 status=201 if request.method == "POST" else 200, headers={"X-From": name})
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def test_requests_alternate_between_backends_and_arrive_whole():
    async def run():
        async with TestServer(echo("a")) as a, TestServer(echo("b")) as b:
            urls = [str(a.make_url("")).rstrip("/"), str(b.make_url("")).rstrip("/")]
            async with TestClient(TestServer(make_app(urls))) as client:
                answers = []
                for n in range(4):
                    response = await client.post(f"/webhooks/rest/webhook?token=a%2Bb+c%20d&n={n}", data='{"x": "é"}',
                                                 headers={"X-Auth": "yes", "Content-Type": "application/json"})
                    answers.append((response.status, response.headers["X-From"],
                                    response.headers["X-Balancer-Backend"], await response.json()))
                got = await client.get("/status")
                stats = await (await client.get("/_balancer/stats")).json()
                return urls, answers, got.status, stats

    urls, answers, get_status, stats = asyncio.run(run())
    assert [backend for _, _, backend, _ in answers] == [urls[0], urls[1], urls[0], urls[1]]
    for n, (status, served_by, _, body) in enumerate(answers):
        assert status == 201 and served_by == body["backend"] == "ab"[n % 2]
        assert body == {"backend": "ab"[n % 2], "method": "POST", "body": '{"x": "é"}', "auth": "yes",
                        "raw_path": f"/webhooks/rest/webhook?token=a%2Bb+c%20d&n={n}"}
    assert get_status == 200
    assert stats == {urls[0]: 3, urls[1]: 2}


def test_a_backend_that_is_down_is_a_json_502_and_the_next_request_goes_on():
    async def run():
        async with TestServer(echo("up")) as up:
            down = f"http://127.0.0.1:{free_port()}"
            async with TestClient(TestServer(make_app([down, str(up.make_url("")).rstrip("/")]))) as client:
                first = await client.get("/x")
                second = await client.get("/x")
                return first.status, await first.json(), second.status

    status, body, next_status = asyncio.run(run())
    assert status == 502 and "unavailable" in body["error"]
    assert next_status == 200
