"""`make bench-rag`: time to first token and to the full answer over HTTP, for one shopper and for 4 at once, on
policy questions worded the way shoppers ask, for the service as it is ("ours") and as it was before prepared and
extractive answers ("before": the model answers every policy question, on the earlier serial llama backend and on
the batched one), in the same run on the same machine.
Catalogue-fact questions (answered from data, never by the model) are reported apart, and so are the answers that
still needed the model. Then ingestion of synthetic products (bench_ingest.py). Writes reports/rag_bench.{md,json}."""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
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
    # closest quote between READ_FLOOR and QUOTE_SURE: the model reads it before it is served
    ("do I lose points when I return an order?", "en"), ("do you deliver to hong kong?", "en"),
    ("how do I get my money back?", "en"), ("可以用苹果支付吗？", "zh"), ("能寄到加拿大吗", "zh"),
]
MODEL_ROUTES = ("generated", "reader")  # the model wrote the answer, or read the quote before it was served
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


async def measure(systems: dict[str, tuple], settings: Settings, index_dir: Path) -> dict:
    """Serves every system at once on its own port and asks each the same questions in turn (question by question,
    round by round), so a slow spell of the shared machine falls on all of them alike."""
    runners, urls, report = {}, {}, {}
    for name, (model, routes) in systems.items():
        runner = web.AppRunner(init(settings, index_dir=index_dir, model=model, routes=routes))
        start = time.perf_counter()
        await runner.setup()
        report[name] = {"startup_s": round(time.perf_counter() - start, 1)}
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners[name], urls[name] = runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    results: dict[str, dict[str, list]] = {name: {"single": [], "together": [], "catalogue": []} for name in systems}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900)) as session:
            for load, questions, concurrency, rounds in (("single", POLICY, 1, len(POLICY)),
                                                         ("together", POLICY, 4, -(-len(POLICY) // 4)),
                                                         ("catalogue", CATALOGUE, 1, len(CATALOGUE))):
                for r in range(rounds):
                    batch = [questions[(r * concurrency + i) % len(questions)] for i in range(concurrency)]
                    for name, url in urls.items():
                        answers = await asyncio.gather(*(one(session, url, q, lang) for q, lang in batch))
                        results[name][load] += answers
                        print(f"  {name} {load}: {len(results[name][load])} answers, last "
                              f"{answers[-1]['total']:.1f} s ({answers[-1]['route']})", flush=True)
    finally:
        for runner in runners.values():
            await runner.cleanup()
    for name, r in results.items():
        report[name] |= {"single": stats(r["single"]), "concurrent_4": stats(r["together"]),
                         "single_needing_the_model": stats([a for a in r["single"] if a["route"] in MODEL_ROUTES]),
                         "concurrent_4_needing_the_model": stats([a for a in r["together"]
                                                                  if a["route"] in MODEL_ROUTES]),
                         "catalogue_single": stats(r["catalogue"]),
                         "answers": r["single"] + r["together"] + r["catalogue"]}
        engine = getattr(systems[name][0], "_engine", None)
        if engine is not None:
            report[name]["engine"] = dict(engine.stats)
    return report


def run_bench(settings: Settings, index_dir: Path, out_dir: Path, products: int, lookup_tokens: int = 0) -> int:
    """`before` is the service without prepared and extractive answers on the configured backend (by default the
    serial llama one); with it, `before_batched` the same routes on the batched llama backend; `ours` the service as
    it is. With `lookup_tokens`, also the batched backend with prompt-lookup decoding."""
    model = build_chat_model(settings)  # one model for the services that share a backend: the same weights
    before = ("catalogue", "generated")
    systems = {"before": (model, before), "ours": (model, ROUTES)}
    if settings.llm_backend == "llama":  # the same routes on the batched backend, side by side
        batched = build_chat_model(replace(settings, llm_backend="llama-batched"))
        systems = {"before": (model, before), "before_batched": (batched, before), "ours": (model, ROUTES)}
        if lookup_tokens:
            from ..llm import resolve_model_path
            from ..llm.llama import ChatLlamaBatched

            lookup = ChatLlamaBatched(model_path=str(resolve_model_path(settings)), n_threads=settings.threads,
                                      max_tokens=settings.max_answer_tokens, lookup_tokens=lookup_tokens)
            systems["before_batched_lookup"] = (lookup, before)
    report = asyncio.run(measure(systems, settings, index_dir))
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


SYSTEM_NAMES = {"before": "before (serial llama)", "before_batched": "before (batched llama)",
                "before_batched_lookup": "before (batched + prompt lookup)", "ours": "ours"}


def render(report: dict, settings: Settings) -> str:
    systems = [name for name in SYSTEM_NAMES if name in report]
    lines = [f"# RAG benchmark (model `{settings.llm_model}`, {settings.threads} threads, one run)", "",
             f"{len(POLICY)} policy questions worded as shoppers ask (en and zh); 4 concurrent = "
             f"{-(-len(POLICY) // 4)} rounds of 4. "
             "\"before\" is the service without prepared and extractive answers (the model answers every policy "
             "question): on the earlier llama backend (one answer at a time, create_chat_completion) and on the "
             "batched one (concurrent answers share one batch). All systems run in the same process and are asked "
             "each question in turn.", "",
             "| system | load | requests | TTFT p50 s | TTFT p95 s | full p50 s | full p95 s | routes |",
             "|---|---|---|---|---|---|---|---|"]
    for system in systems:
        r, name = report[system], SYSTEM_NAMES[system]
        lines += [_row(name, "policy, single", r["single"]), _row(name, "policy, 4 concurrent", r["concurrent_4"]),
                  _row(name, "policy, single, model needed", r["single_needing_the_model"]),
                  _row(name, "policy, 4 concurrent, model needed", r["concurrent_4_needing_the_model"]),
                  _row(name, "catalogue facts, single", r["catalogue_single"])]
    lines += ["", "Targets (policy questions, single): TTFT p50 <= 1.0 s, p95 <= 2.5 s; full answer p50 <= 3 s, "
              "p95 <= 6 s; 4 concurrent full answer p95 <= 8 s.",
              "Start-up: " + ", ".join(f"{SYSTEM_NAMES[s]} {report[s]['startup_s']} s" for s in systems) +
              " (index, passage embeddings, warm-up answer)."]
    for system in systems:
        if engine := report[system].get("engine"):
            n = max(engine["requests"], 1)
            lines.append(f"{SYSTEM_NAMES[system]}, batched engine (counts shared by the systems on that model): "
                         f"{engine['requests']} prompts, {engine['prompt_tokens'] / n:.0f} tokens on average of "
                         f"which {engine['prefix_reused'] / n:.0f} came from the cached system prompt; "
                         f"{engine['generated']} tokens written in {engine['steps']} decode calls; "
                         f"prompt lookup kept {engine['accepted']} of {engine['drafted']} drafted tokens.")
    if "ingestion" in report:
        ing = report["ingestion"]
        lines += ["", "## Ingestion", "", "```", json.dumps(ing, indent=1), "```"]
    return "\n".join(lines) + "\n"
