"""A small loopback HTTP balancer: each request goes to the next backend in turn (round robin).

It puts two Rasa instances behind one port and two action servers behind another for the scale-out test
(tests/scale/). It forwards plain HTTP requests (method, path, query string, headers and body) and answers with the
backend's response; each response says which backend served it in `X-Balancer-Backend`. Not for socket.io:
Rasa's socket.io channel delivers out-of-band messages (`get_output_channel`) only when it runs as one process.

    python -m scripts.balancer --port 5004 --backend http://127.0.0.1:5005 --backend http://127.0.0.1:5006

`GET /_balancer/stats` counts the requests each backend served.
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from typing import List

import aiohttp
from aiohttp import web
from yarl import URL

BACKENDS = web.AppKey("backends", list)
TURN = web.AppKey("turn", itertools.cycle)
SERVED = web.AppKey("served", Counter)
HTTP = web.AppKey("http", aiohttp.ClientSession)
# Headers that describe one hop, not the message (RFC 9110 section 7.6.1), and those aiohttp sets itself.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}


async def forward(request: web.Request) -> web.Response:
    backend = next(request.app[TURN])
    request.app[SERVED][backend] += 1
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    try:
        # The path and query string as the client sent them, byte for byte (no decoding and re-encoding).
        url = URL(backend + request.raw_path, encoded=True)
        async with request.app[HTTP].request(request.method, url, headers=headers, data=await request.read(),
                                             allow_redirects=False) as upstream:
            body = await upstream.read()
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
            out["X-Balancer-Backend"] = backend
            return web.Response(status=upstream.status, headers=out, body=body)
    except (aiohttp.ClientError, TimeoutError) as error:
        return web.json_response({"error": f"backend {backend} unavailable: {error}"}, status=502,
                                 headers={"X-Balancer-Backend": backend})


async def stats(request: web.Request) -> web.Response:
    return web.json_response({backend: request.app[SERVED][backend] for backend in request.app[BACKENDS]})


async def client(app: web.Application):
    # A Rasa turn may wait on actions, the knowledge service and the conversation lock: allow minutes. Bodies pass
    # through as they are (compressed or not), with their Content-Encoding.
    app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300), auto_decompress=False)
    yield
    await app[HTTP].close()


def make_app(backends: List[str]) -> web.Application:
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[BACKENDS] = [b.rstrip("/") for b in backends]
    app[TURN] = itertools.cycle(app[BACKENDS])
    app[SERVED] = Counter()
    app.cleanup_ctx.append(client)
    app.router.add_get("/_balancer/stats", stats)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.balancer", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="a backend's base URL; give two or more")
    args = parser.parse_args()
    web.run_app(make_app(args.backend), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
