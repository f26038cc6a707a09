"""`make bench-rag`: time to first token and to the full answer over HTTP, for one shopper and for 4 at once, on
policy questions worded the way shoppers ask, for the service as it is ("ours") and as it was before prepared and
extractive answers ("before": the model answers every policy question), in the same run on the same machine.
Catalogue-fact questions (answered from data, never by the model) are reported apart, and so are the answers that
still needed the model. Then ingestion of synthetic products (bench_ingest.py). Writes reports/rag_bench.{md,json}."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from ..answer import ROUTES
from ..config import Settings
from ..llm import build_chat_model
from ..server import init

# Policy questions as shoppers type them (not the evaluation sets' wording), both languages.
POLICY = [
    ("return policy?", "en"), ("how long do refunds take", "en"), ("free shipping?", "en"),
    ("can i pay with klarna", "en"), ("do gift cards expire?", "en"), ("how long is the warranty", "en"),
    ("how much is express shipping?", "en"), ("when do my points expire", "en"),
    ("退货政策是什么？", "zh"), ("运费怎么算？", "zh"), ("能用花呗分期吗？", "zh"), ("国际运费多少", "zh"),
    ("积分多久过期？", "zh"), ("退款多久到账", "zh"),
]
CATALOGUE = [("How much is the Harbor Shell 2.5L Rain Jacket?", "en"), ("港湾 2.5 层防水夹克多少钱？", "zh"),
             ("What is the Harbor Shell 2.5L Rain Jacket made of?", "en")]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))], 2)


async def one(session: aiohttp.ClientSession, url: str, question: str, lang: str) -> dict:
    start = time.perf_counter()
    first, final = None, {}
    async with session.post(f"{url}/answer/stream", json={"question": question, "lang": lang}) as response:
        kind = None
        async for line in response.content:
            if line.startswith(b"event: "):
                kind = line[7:].strip().decode()
                if first is None and kind in ("token", "final"):
                    first = time.perf_counter() - start  # a refusal has no token: its final is its first word
            elif line.startswith(b"data: ") and kind == "final":
                final = json.loads(line[6:])
    total = time.perf_counter() - start
    return {"question": question, "ttft": first if first is not None else total, "total": total,
            "route": final.get("route", "-")}


def stats(results: list[dict]) -> dict:
    ttft, total = [r["ttft"] for r in results], [r["total"] for r in results]
    routes: dict[str, int] = {}
    for r in results:
        routes[r["route"]] = routes.get(r["route"], 0) + 1
    return {"requests": len(results), "ttft_p50_s": percentile(ttft, 0.5), "ttft_p95_s": percentile(ttft, 0.95),
            "total_p50_s": percentile(total, 0.5), "total_p95_s": percentile(total, 0.95), "routes": routes}


async def latency(url: str, questions: list[tuple[str, str]], concurrency: int, rounds: int) -> list[dict]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900)) as session:
        results = []
        for r in range(rounds):
            batch = [questions[(r * concurrency + i) % len(questions)] for i in range(concurrency)]
            results += await asyncio.gather(*(one(session, url, q, lang) for q, lang in batch))
            print(f"  {len(results)} answers, last {results[-1]['total']:.1f} s ({results[-1]['route']})", flush=True)
    return results


async def measure(settings: Settings, index_dir: Path, model, routes: tuple[str, ...]) -> dict:
    runner = web.AppRunner(init(settings, index_dir=index_dir, model=model, routes=routes))
    start = time.perf_counter()
    await runner.setup()
    startup = time.perf_counter() - start
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    try:
        single = await latency(url, POLICY, 1, len(POLICY))
        together = await latency(url, POLICY, 4, 3)
        catalogue = await latency(url, CATALOGUE, 1, len(CATALOGUE))
    finally:
        await runner.cleanup()
    return {"startup_s": round(startup, 1), "single": stats(single), "concurrent_4": stats(together),
            "single_needing_the_model": stats([r for r in single if r["route"] == "generated"]),
            "catalogue_single": stats(catalogue), "answers": single + together + catalogue}


def run_bench(settings: Settings, index_dir: Path, out_dir: Path, products: int) -> int:
    model = build_chat_model(settings)  # one model for both services: the same weights, the same machine
    report = {}
    for name, routes in (("before", ("catalogue", "generated")), ("ours", ROUTES)):
        print(f"==> {name}", flush=True)
        report[name] = asyncio.run(measure(settings, index_dir, model, routes))
    if products:
        from .bench_ingest import bench_ingestion

        report["ingestion"] = bench_ingestion(products)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rag_bench.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    markdown = render(report, settings)
    (out_dir / "rag_bench.md").write_text(markdown)
    print(markdown)
    return 0


def _row(system: str, load: str, r: dict) -> str:
    cells = [r["requests"], r["ttft_p50_s"], r["ttft_p95_s"], r["total_p50_s"], r["total_p95_s"]]
    routes = ", ".join(f"{k} {v}" for k, v in sorted(r["routes"].items()))
    return f"| {system} | {load} | " + " | ".join("-" if c is None else str(c) for c in cells) + f" | {routes} |"


def render(report: dict, settings: Settings) -> str:
    lines = [f"# RAG benchmark (model `{settings.llm_model}`, {settings.threads} threads, one run)", "",
             f"{len(POLICY)} policy questions worded as shoppers ask (en and zh); 4 concurrent = 3 rounds of 4. "
             "\"before\" is the service without prepared and extractive answers (the model answers every policy "
             "question), run in the same process on the same model.", "",
             "| system | load | requests | TTFT p50 s | TTFT p95 s | full p50 s | full p95 s | routes |",
             "|---|---|---|---|---|---|---|---|"]
    for system in ("before", "ours"):
        r = report[system]
        lines += [_row(system, "policy, single", r["single"]), _row(system, "policy, 4 concurrent", r["concurrent_4"]),
                  _row(system, "policy, single, model-written only", r["single_needing_the_model"]),
                  _row(system, "catalogue facts, single", r["catalogue_single"])]
    lines += ["", "Targets (policy questions, single): TTFT p50 <= 1.0 s, p95 <= 2.5 s; full answer p50 <= 3 s, "
              "p95 <= 6 s; 4 concurrent full answer p95 <= 8 s.",
              f"Start-up: before {report['before']['startup_s']} s, ours {report['ours']['startup_s']} s "
              "(index, passage embeddings, warm-up answer)."]
    if "ingestion" in report:
        ing = report["ingestion"]
        lines += ["", "## Ingestion", "", "```", json.dumps(ing, indent=1), "```"]
    return "\n".join(lines) + "\n"
