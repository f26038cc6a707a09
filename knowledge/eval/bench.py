"""`make bench-rag`: time to first token and full answer over HTTP (single requests, then 4 concurrent), and
ingestion throughput on synthetic products. Writes reports/rag_bench.{md,json}."""
from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from ..config import Settings
from ..index import Index
from ..ingest import ingest
from ..server import init

QUESTIONS = [
    ("How long do refunds take?", "en"), ("Do gift cards expire?", "en"), ("How much is express shipping?", "en"),
    ("Can I pay with Klarna?", "en"), ("How long is the warranty on Tidepool gear?", "en"),
    ("When do Tide Club points expire?", "en"), ("退货期限是多久？", "zh"), ("能用花呗分期吗？", "zh"),
    ("国际运费是多少？", "zh"), ("积分多久过期？", "zh"),
]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))], 2)


async def one(session: aiohttp.ClientSession, url: str, question: str, lang: str) -> tuple[float, float]:
    start = time.perf_counter()
    first = None
    async with session.post(f"{url}/answer/stream", json={"question": question, "lang": lang}) as response:
        async for line in response.content:
            if first is None and line.startswith(b"event: token"):
                first = time.perf_counter() - start
    total = time.perf_counter() - start
    return first if first is not None else total, total


async def latency(url: str, concurrency: int, rounds: int) -> dict:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        results = []
        for r in range(rounds):
            batch = [QUESTIONS[(r * concurrency + i) % len(QUESTIONS)] for i in range(concurrency)]
            results += await asyncio.gather(*(one(session, url, q, lang) for q, lang in batch))
    ttft, total = [r[0] for r in results], [r[1] for r in results]
    return {"requests": len(results), "ttft_p50_s": percentile(ttft, 0.5), "ttft_p95_s": percentile(ttft, 0.95),
            "total_p50_s": percentile(total, 0.5), "total_p95_s": percentile(total, 0.95)}


async def serve_and_measure(settings: Settings, index_dir: Path) -> dict:
    runner = web.AppRunner(init(settings, index_dir=index_dir))
    start = time.perf_counter()
    await runner.setup()
    startup = time.perf_counter() - start
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    try:
        return {"startup_s": round(startup, 1), "single": await latency(url, 1, len(QUESTIONS)),
                "concurrent_4": await latency(url, 4, 3)}
    finally:
        await runner.cleanup()


def synthetic_products(n: int, path: Path) -> None:
    rng = random.Random(7)
    kinds = ["jacket", "tent", "backpack", "headlamp", "bottle", "boot", "fleece", "stove"]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            kind = rng.choice(kinds)
            f.write(json.dumps({"id": f"TP-SYN-{i:05d}", "name": f"Synthetic {kind.title()} {i}",
                                "description": f"A {rng.choice(['light', 'warm', 'tough', 'compact'])} {kind} "
                                               f"for {rng.choice(['hiking', 'camping', 'travel'])}, "
                                               f"{rng.randint(100, 2000)} g.",
                                "category": kind, "price": rng.randint(10, 400), "currency": "USD",
                                "attributes": {"color": rng.choice(["black", "navy", "olive"])}}) + "\n")


def ingestion(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "catalog.jsonl"
        synthetic_products(n, catalog)
        start = time.perf_counter()
        stats = ingest(Index(Path(tmp) / "index"), catalog, progress=True)
        seconds = time.perf_counter() - start
    return {"products": n, "chunks": stats["chunks_added"], "seconds": round(seconds, 1),
            "products_per_s": round(n / seconds, 1)}


def run_bench(settings: Settings, index_dir: Path, out_dir: Path, products: int) -> int:
    report = asyncio.run(serve_and_measure(settings, index_dir))
    report["ingestion"] = ingestion(products)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rag_bench.json").write_text(json.dumps(report, indent=1))
    loads = (("single", report["single"]), ("4 concurrent", report["concurrent_4"]))
    rows = [f"| {name} | {r['requests']} | {r['ttft_p50_s']} | {r['ttft_p95_s']} | {r['total_p50_s']} | "
            f"{r['total_p95_s']} |" for name, r in loads]
    ing = report["ingestion"]
    markdown = "\n".join([
        f"# RAG benchmark (model `{settings.llm_model}`, {settings.threads} threads)", "",
        f"Service start-up (index + model load + warm-up): {report['startup_s']} s", "",
        "| load | requests | TTFT p50 s | TTFT p95 s | full answer p50 s | full answer p95 s |",
        "|---|---|---|---|---|---|",
        *rows, "", f"Ingestion: {ing['products']} synthetic products ({ing['chunks']} chunks) in {ing['seconds']} s = "
        f"**{ing['products_per_s']} products/s**", "", "Target: TTFT p50 < 1.5 s (single requests)."]) + "\n"
    (out_dir / "rag_bench.md").write_text(markdown)
    print(markdown)
    return 0
