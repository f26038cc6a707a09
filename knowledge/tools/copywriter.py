"""Operator tool: draft product descriptions and card copy lines with the local model, checked against the data.

    python -m knowledge copy --catalog data/store/catalog.jsonl --out reports/copy-draft.jsonl [--limit N]
        [--lang en,zh] [--field-map id=sku,...] [--model-free]

For each product and language the model writes a short description and one line per copy variant (benefit,
social, deal; see actions/copy.py). Every line goes through `actions.copy.check_copy`: numbers, prices, ratings,
percentages, materials and claims must occur in the product's own data. A line that fails is dropped and the
variant's template takes its place (`"source": "template", "checked": false`, with the dropped text and the
problems for the reviewer). `--model-free` writes templates only (fast; no model is loaded).

The output is a draft for human review: the chatbot only reads data/store/copy.jsonl (COPY_FILE), which the
operator fills from this file after reviewing it, and even then re-checks each line against the current data.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Iterable

from shop.cardcopy import VARIANTS, Facts, check_copy, facts_of, template_line
from shop.money import format_amount

from ..config import STORE, Settings
from ..loaders import normalise_product, parse_field_map, read_catalog

LANGUAGES = {"en": "English", "zh": "Simplified Chinese (简体中文)"}
MAX_LINE_CHARS = 120
MIN_LINE_CHARS = {"en": 16, "zh": 6}
LABELS = {"DESCRIPTION": "description", "BENEFIT": "benefit", "SOCIAL": "social", "DEAL": "deal"}
LINE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\d+[.)]\s*)?\**\s*(DESCRIPTION|BENEFIT|SOCIAL|DEAL)\s*\**\s*[:：]\s*\**\s*(.*)$", re.I
)
SKIP_ATTRIBUTES = {"variants", "popularity", "final_sale", "hazmat", "ships_to"}

SYSTEM = (
    f"You write short, factual shop copy for {STORE.name}, an online store. Use only the product facts "
    "you are given. Never add a number, price, discount, rating, material or claim (best, warranty, free shipping, "
    "eco-friendly) that the facts do not state."
)
HUMAN = """Product facts:
{facts}

Write in {language}. Reply with exactly these four lines and nothing else:
DESCRIPTION: two short sentences about the product.
BENEFIT: one sentence of 8 to 15 words that begins with "{benefit}" and adds why it matters.
SOCIAL: one sentence of 8 to 15 words that begins with the shoppers' rating {rating} and adds one fact.
DEAL: one sentence of 8 to 15 words that begins with the price {price} and adds one fact."""


def _prompt():
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", HUMAN)])


def facts_text(product: dict, lang: str) -> str:
    """The facts the model sees, one per line, in the product's own words."""
    name = product.get("name_zh") if lang == "zh" and product.get("name_zh") else product.get("name")
    description = product.get("description_zh") if lang == "zh" and product.get("description_zh") else None
    lines = [f"name: {name}", f"brand: {product.get('brand', '')}", f"category: {product.get('category', '')}"]
    if product.get("price") is not None:
        lines.append(f"price: {_price(product)}")
    attributes = product.get("attributes") or {}
    for key, value in attributes.items():
        if key in SKIP_ATTRIBUTES or value in (None, "", [], {}):
            continue
        lines.append(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    lines.append(f"description: {description or product.get('description') or ''}")
    return "\n".join(lines)


def _price(product: dict) -> str:
    return format_amount(float(product["price"]), product.get("currency") or STORE.currency)


def parse_reply(text: str) -> dict[str, str]:
    """'DESCRIPTION: ...\\nBENEFIT: ...' -> {"description": ..., "benefit": ...}; later repeats are ignored."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        match = LINE.match(raw)
        if match:
            key = LABELS[match.group(1).upper()]
            value = match.group(2).strip().strip('"“”').strip()
            if value and key not in out:
                out[key] = value
    return out


def template_description(product: dict, lang: str) -> str:
    """The catalogue's own description, first two sentences."""
    text = (product.get("description_zh") if lang == "zh" else product.get("description")) or ""
    sentences = re.split(r"(?<=[.!?])\s+|(?<=[。！？])", text.strip())
    return "".join(s if lang == "zh" else s + " " for s in sentences[:2]).strip()


def _record(pid: str, lang: str, field: str, variant: str | None, text: str, source: str, checked: bool,
            dropped: str | None = None, problems: Iterable[str] = ()) -> dict[str, Any]:
    record: dict[str, Any] = {"id": pid, "lang": lang, "field": field}
    if variant:
        record["variant"] = variant
    record.update(text=text, source=source, checked=checked)
    if dropped is not None:
        record.update(dropped=dropped, problems=list(problems))
    return record


def product_records(product: dict, lang: str, reply: dict[str, str] | None, model_error: str = "") -> list[dict]:
    """One description record and one record per variant for a product in one language."""
    facts: Facts = facts_of(product)
    pid = str(product["id"])
    wanted = [("description", None)] + [("copy", v) for v in VARIANTS]
    records = []
    for field, variant in wanted:
        if field == "description":
            fallback = template_description(product, lang)
        else:
            fallback = template_line(variant, facts, lang)
        if reply is None:  # --model-free
            records.append(_record(pid, lang, field, variant, fallback, "template", False))
            continue
        drafted = reply.get(variant or "description", "")
        problems = [model_error] if model_error else []
        if not drafted:
            problems = problems or ["the model wrote no such line"]
        else:
            problems = check_copy(drafted, facts).problems
            if field == "copy" and len(drafted) > MAX_LINE_CHARS:
                problems.append(f"longer than {MAX_LINE_CHARS} characters")
            if lang == "zh" and not re.search(r"[\u4e00-\u9fff]", drafted):
                problems.append("not in Chinese")
            if len(drafted) < MIN_LINE_CHARS[lang]:
                problems.append("too short to be a sentence")
        if problems:
            records.append(_record(pid, lang, field, variant, fallback, "template", False, drafted, problems))
        else:
            records.append(_record(pid, lang, field, variant, drafted, "model", True))
    return records


def draft(product: dict, lang: str, chain) -> tuple[dict[str, str], str]:
    """Ask the model for one product in one language: (parsed lines, error text or '')."""
    facts = facts_of(product)
    lead = template_line("benefit", facts, lang).rstrip("。.")
    try:
        reply = chain.invoke({
            "facts": facts_text(product, lang),
            "language": LANGUAGES[lang],
            "max_chars": 90,
            "benefit": lead,
            "rating": f"{facts.rating:.1f}★" if facts.rating else "(no rating: start with the name)",
            "price": _price(product) if product.get("price") is not None else "(no price: start with the name)",
        })
    except Exception as exc:  # noqa: BLE001 - one product's failure must not stop the run
        return {}, f"model error: {exc}"[:300]
    return parse_reply(getattr(reply, "content", str(reply))), ""


def run_copy(settings: Settings, catalog: Path, out: Path, field_map: str | None = None, limit: int = 0,
             langs: Iterable[str] = ("en", "zh"), model_free: bool = False) -> int:
    from tqdm import tqdm

    langs = [lang.strip() for lang in langs if lang.strip()]
    bad = [lang for lang in langs if lang not in LANGUAGES]
    if bad or not langs:
        print(f"--lang takes {', '.join(LANGUAGES)} (got {', '.join(bad) or 'nothing'})", file=sys.stderr)
        return 2
    mapping = parse_field_map(field_map)
    products, skipped = [], 0
    for row in read_catalog(catalog):
        try:
            products.append(normalise_product(row, mapping))
        except ValueError as exc:
            skipped += 1
            print(f"skipped: {exc}", file=sys.stderr)
    if limit:
        products = products[:limit]

    chain = None
    if not model_free:
        from ..llm import build_chat_model

        model = build_chat_model(settings)
        chain = _prompt() | model.bind(max_tokens=max(settings.max_answer_tokens, 280))

    started = time.perf_counter()
    counts = {"products": len(products), "skipped": skipped, "lines": 0, "model": 0, "template": 0, "dropped": 0}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for product in tqdm(products, desc="copy", unit="product", file=sys.stderr):
            for lang in langs:
                reply, error = (None, "") if chain is None else draft(product, lang, chain)
                for record in product_records(product, lang, reply, error):
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                    counts["lines"] += 1
                    counts[record["source"]] += 1
                    counts["dropped"] += "dropped" in record
            sink.flush()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(counts))
    print(f"wrote {out}: review it, then copy the lines you approve into data/store/copy.jsonl", file=sys.stderr)
    return 0
