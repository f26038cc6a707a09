#!/usr/bin/env python3
"""Count and sanity-check the NLU training data and the held-out test split.

Reads the Rasa 3 YAML files
    bot/data/nlu/<lang>/<intent>.yml   (training, one file per intent)
    tests/nlu/<lang>.yml               (held-out split, never trained on)
    tests/nlu/stranger/<lang>.yml      (the stranger set, never trained on: only checked for overlap)
and prints, per language and top-level intent, how many training and held-out
examples there are, plus entity annotation counts.

Exits 1 when
  * a top-level intent has fewer than MIN_TRAIN training examples in a language,
  * a top-level intent has fewer than MIN_HELDOUT held-out examples in a language,
  * a greeting/<sub> retrieval intent has fewer than MIN_SUB_TRAIN training examples,
  * an entity is annotated in fewer than MIN_ENTITY_EXAMPLES training examples of a language,
  * an intent outside the 14 agreed top-level intents shows up, or one is missing,
  * a held-out example also appears in the training data (compared after removing
    annotations, lower-casing and dropping punctuation/whitespace).

Only the standard library and PyYAML are needed.
Usage: python scripts/nlu_stats.py [--root PATH]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

LANGUAGES = ("en", "zh")
INTENTS = (
    "order_tracking",
    "cancel_order",
    "change_order",
    "returns_refunds",
    "shipping_delivery",
    "payment",
    "account",
    "product_question",
    "product_recommendation",
    "promotions_coupons",
    "complaint",
    "human_agent",
    "greeting",
    "out_of_scope",
    "profile_show",
    "profile_forget",
)
GREETING_SUBS = ("hello", "thanks", "goodbye", "bot_challenge")
ENTITIES = ("order_id", "email", "product_category", "color", "size", "brand", "price", "quantity")

MIN_TRAIN = 40
MIN_HELDOUT = 10
# The profile intents are narrow (a handful of ways to ask "what do you remember about me"): smaller minimums.
NARROW = {"profile_show": (10, 5), "profile_forget": (10, 5)}
MIN_SUB_TRAIN = 10
MIN_ENTITY_EXAMPLES = 20

# [surface](entity) | [surface](entity:value) | [surface]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")


def parse_example(raw: str) -> tuple[str, list[tuple[str, str]]]:
    """Return (plain text, [(entity, surface), ...]) for one annotated example."""
    entities: list[tuple[str, str]] = []

    def _strip(match: re.Match) -> str:
        surface = match.group("text")
        if match.group("short") is not None:
            entity = match.group("short").split(":", 1)[0].strip()
        else:
            try:
                entity = json.loads(match.group("json"))["entity"]
            except (ValueError, KeyError, TypeError):
                return match.group(0)
        entities.append((entity, surface))
        return surface

    return ANNOTATION.sub(_strip, raw), entities


def normalise(text: str) -> str:
    """Comparison key: lower-case, no punctuation or whitespace."""
    return re.sub(r"[\W_]+", "", text.lower())


def read_examples(path: Path) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """Return [(full intent name, raw example, plain text, entities)] from a Rasa YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for item in data.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue  # regex / synonym / lookup blocks
        examples = item.get("examples") or ""
        if isinstance(examples, str):
            lines = [ln.strip()[2:].strip() for ln in examples.splitlines() if ln.strip().startswith("- ")]
        else:  # list form: [{text: ...}, ...]
            lines = [str(e["text"]) if isinstance(e, dict) else str(e) for e in examples]
        for raw in lines:
            if not raw:
                continue
            plain, entities = parse_example(raw)
            out.append((str(item["intent"]), raw, plain, entities))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent), help="project root")
    args = parser.parse_args()
    root = Path(args.root)

    errors: list[str] = []
    train = {lang: defaultdict(list) for lang in LANGUAGES}  # lang -> full intent -> examples
    heldout = {lang: defaultdict(list) for lang in LANGUAGES}

    for lang in LANGUAGES:
        train_dir = root / "bot" / "data" / "nlu" / lang
        files = sorted(train_dir.glob("*.yml"))
        if not files:
            errors.append(f"[{lang}] no training files in {train_dir}")
        for path in files:
            for intent, raw, plain, ents in read_examples(path):
                train[lang][intent].append((raw, plain, ents, path.name))
        test_file = root / "tests" / "nlu" / f"{lang}.yml"
        if test_file.exists():
            for intent, raw, plain, ents in read_examples(test_file):
                heldout[lang][intent].append((raw, plain, ents, test_file.name))
        else:
            errors.append(f"[{lang}] missing held-out file {test_file}")

    def top(intent: str) -> str:
        return intent.split("/", 1)[0]

    train_keys = {}
    for lang in LANGUAGES:
        for intent, exs in train[lang].items():
            for raw, plain, _ents, fname in exs:
                train_keys.setdefault(normalise(plain), f"{lang}/{fname} ({intent})")

    for lang in LANGUAGES:
        print(f"=== {lang} ===")
        print(f"{'intent':<28}{'train':>7}{'held-out':>10}{'train ents':>12}")
        train_top = Counter()
        held_top = Counter()
        ent_ann = Counter()
        ent_examples = Counter()
        held_ann = Counter()
        rows = sorted(set(train[lang]) | set(heldout[lang]), key=lambda i: (INTENTS.index(top(i)) if top(i) in INTENTS else 99, i))
        for intent in rows:
            n_train = len(train[lang].get(intent, []))
            n_held = len(heldout[lang].get(intent, []))
            n_ents = sum(len(e[2]) for e in train[lang].get(intent, []))
            train_top[top(intent)] += n_train
            held_top[top(intent)] += n_held
            print(f"{intent:<28}{n_train:>7}{n_held:>10}{n_ents:>12}")
            for _raw, _plain, ents, _f in train[lang].get(intent, []):
                for name, _surface in ents:
                    ent_ann[name] += 1
                for name in {name for name, _ in ents}:
                    ent_examples[name] += 1
            for _raw, _plain, ents, _f in heldout[lang].get(intent, []):
                for name, _surface in ents:
                    held_ann[name] += 1
            if intent.startswith("greeting/") and n_train < MIN_SUB_TRAIN:
                errors.append(f"[{lang}] {intent}: {n_train} training examples (< {MIN_SUB_TRAIN})")
            if top(intent) not in INTENTS:
                errors.append(f"[{lang}] unknown intent {intent!r}")

        print(f"{'-- top-level totals --':<28}")
        for intent in INTENTS:
            print(f"{intent:<28}{train_top[intent]:>7}{held_top[intent]:>10}")
            min_train, min_heldout = NARROW.get(intent, (MIN_TRAIN, MIN_HELDOUT))
            if train_top[intent] < min_train:
                errors.append(f"[{lang}] {intent}: {train_top[intent]} training examples (< {min_train})")
            if held_top[intent] < min_heldout:
                errors.append(f"[{lang}] {intent}: {held_top[intent]} held-out examples (< {min_heldout})")
        for sub in GREETING_SUBS:
            if not train[lang].get(f"greeting/{sub}"):
                errors.append(f"[{lang}] greeting/{sub} has no training examples")
        print(f"{'TOTAL':<28}{sum(train_top.values()):>7}{sum(held_top.values()):>10}")

        print(f"\n{'entity':<28}{'train ann':>10}{'train exs':>10}{'held ann':>10}")
        for name in ENTITIES + tuple(sorted(set(ent_ann) - set(ENTITIES))):
            print(f"{name:<28}{ent_ann[name]:>10}{ent_examples[name]:>10}{held_ann[name]:>10}")
            if name not in ENTITIES:
                errors.append(f"[{lang}] unknown entity {name!r}")
            elif ent_examples[name] < MIN_ENTITY_EXAMPLES:
                errors.append(f"[{lang}] entity {name}: in {ent_examples[name]} training examples (< {MIN_ENTITY_EXAMPLES})")
        print(f"{'TOTAL':<28}{sum(ent_ann.values()):>10}{'':>10}{sum(held_ann.values()):>10}\n")

        for intent, exs in heldout[lang].items():
            for _raw, plain, _ents, _f in exs:
                hit = train_keys.get(normalise(plain))
                if hit:
                    errors.append(f"[{lang}] held-out example {plain!r} ({intent}) is also in training: {hit}")
        stranger = root / "tests" / "nlu" / "stranger" / f"{lang}.yml"
        for intent, _raw, plain, _ents in read_examples(stranger) if stranger.exists() else []:
            hit = train_keys.get(normalise(plain))
            if hit:
                errors.append(f"[{lang}] stranger example {plain!r} ({intent}) is also in training: {hit}")

    if errors:
        print("FAILED:")
        for err in errors:
            print("  " + err)
        return 1
    print("OK: all NLU data checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
