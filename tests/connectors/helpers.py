"""What the connector tests share: what reached Rasa from a shopper, an agent's reply sent the way the desk sends it,
the Rasa log, waiting long enough for a refused request to have done harm, the webhook-to-reply latency report, and
(for the unit tests) a Graph client against a Meta double."""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import requests

from connectors.meta_format import GraphClient
from scripts.stack import ROOT, free_port

REPLY_TIMEOUT_S = 90  # a recommendation goes through the knowledge service on 2 shared cores
PRODUCT = {"id": "TP-TNT-004", "name": "Driftwood 2P Tent", "price": 289.0, "currency": "USD",
           "url": "https://tidepool.example/products/driftwood-2p-tent",
           "image": "https://tidepool.example/img/driftwood-2p-tent.jpg"}
# the same tent as a recommendation card carries it, with a rating, a copy line and a promotion
PRODUCT_CARD = {**PRODUCT, "rating": 4.6, "copy": "Campers who pack light pick this one.",
                "promotion": {"code": "TRAIL10", "title": "Trail week", "summary": "10% off tents until Sunday"}}


def user_events(stack, sender: Any) -> List[Dict[str, Any]]:
    """The user events in this shopper's tracker: what reached Rasa from them."""
    return [e for e in stack.tracker(sender).get("events") or [] if e.get("event") == "user"]


def user_texts(stack, sender: Any) -> List[str]:
    return [e.get("text") for e in user_events(stack, sender)]


def agent_says(stack, sender: Any, text: str, custom: Optional[Dict[str, Any]] = None,
               check: bool = True) -> requests.Response:
    """What the desk does for an agent's reply: a bot event appended with the latest channel's side effects, so it
    goes out through the channel's output. `check`: fail the test unless Rasa delivered it."""
    response = requests.post(
        f"{stack.rasa_url}/conversations/{sender}/tracker/events",
        params={"output_channel": "latest", "execute_side_effects": "true", "token": stack.rasa_token},
        json={"event": "bot", "text": text, "data": {"custom": custom} if custom else {}, "timestamp": time.time()},
        timeout=60,
    )
    if check:
        assert response.ok, response.text
    return response


def long_reply_pieces(stack, double: Any, chat: Any) -> Tuple[str, List[str]]:
    """An agent's reply of about 12,000 characters to a chat the shopper opened, and the pieces that reached them
    (for a double with `say(chat, text)` and `texts(chat)`)."""
    double.say(chat, "hi")  # the conversation's latest channel is now this platform
    double.wait_for(lambda: double.texts(chat), 60)
    long = " ".join(f"sentence{n} about tents and rain." for n in range(400))
    agent_says(stack, chat, long)
    pieces = double.wait_for(lambda: [t for t in double.texts(chat) if "sentence" in t]
                             if " ".join(double.texts(chat)).count("sentence") >= 400 else None, 30)
    return long, pieces


def rasa_log(stack) -> str:
    return next(s for s in stack.services if s.name == "rasa").log_path.read_text(errors="replace")


def settle() -> None:
    """Long enough for a refused webhook to have reached Rasa and been answered, had it been let through."""
    time.sleep(3)


def percentile(values: List[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure_latency(platform: str, one_message: Callable[[], Tuple[float, float]]) -> Dict[str, Any]:
    """Sends CONNECTOR_BENCH_MESSAGES messages (default 20) one after the other; `one_message()` sends one from a new
    shopper and gives (seconds from the webhook POST to the reply's first API call, seconds to the webhook's
    answer). Writes <platform>_latency.json to CONNECTOR_REPORT_DIR (test-results/connectors in a test run;
    `make bench-connectors` sets reports/connectors); fails on a slow p95 or a late acknowledgement."""
    count = int(os.environ.get("CONNECTOR_BENCH_MESSAGES", "20"))
    latencies, acks = zip(*(one_message() for _ in range(count)))
    report = {"platform": platform, "messages": count, "p50_s": round(percentile(latencies, 0.50), 4),
              "p95_s": round(percentile(latencies, 0.95), 4)}
    folder = Path(os.environ.get("CONNECTOR_REPORT_DIR", ROOT / "test-results" / "connectors"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{platform}_latency.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(report)
    assert report["p95_s"] < 30, report
    assert max(acks) < 3.0, f"slowest acknowledgement {max(acks):.2f}s"  # platforms retry after 3 to 5 s
    return report


def with_graph_client(double: Any, path: str, script: Callable[[Any, GraphClient, str], Awaitable[Any]]) -> Any:
    """Runs `script(double, client, url)`: the double serving on a free port, a GraphClient (3 attempts), and the
    URL of the double's `path`."""
    async def main() -> Any:
        async with double.serving(free_port()) as served:
            client = GraphClient(attempts=3)
            try:
                return await script(served, client, f"http://127.0.0.1:{served.port}{path}")
            finally:
                await client.close()

    return asyncio.run(main())
