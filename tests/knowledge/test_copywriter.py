"""The operator's copy CLI (`python -m knowledge copy`, knowledge/tools/copywriter.py): drafts only lines that pass
the card-copy fact check, with or without the local model."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stack import STORE_DIR
from shop.cardcopy import VARIANTS, check_copy, facts_of
from tests.card_copy_data import CATALOG

ROOT = Path(__file__).resolve().parents[2]


def test_copy_cli_without_a_model_writes_checked_templates(tmp_path):
    catalog = tmp_path / "shop.csv"
    catalog.write_text(
        "sku,title,cost,rating,material,weight_g\n"
        "SKU-1,Trail Cap,25,4.5,recycled polyester,80\n"
        "SKU-2,Camp Mug,12,,titanium,90\n",
        encoding="utf-8",
    )
    out = tmp_path / "draft.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "knowledge", "copy", "--catalog", str(catalog), "--field-map",
         "id=sku,name=title,price=cost", "--lang", "en,zh", "--model-free", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1])["lines"] == 16
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {(r["id"], r["lang"]) for r in records} == {(p, lang) for p in ("SKU-1", "SKU-2") for lang in ("en", "zh")}
    lines = {(r["id"], r["lang"], r.get("variant")): r for r in records if r["field"] == "copy"}
    assert lines[("SKU-1", "en", "social")]["text"] == "Rated 4.5★ by shoppers."
    assert lines[("SKU-2", "en", "social")]["text"] == "Weighs 90 g, titanium."  # no rating: another fact
    assert lines[("SKU-1", "zh", "benefit")]["text"] == "重 80 克。"
    assert all(r["source"] == "template" and r["checked"] is False for r in records)


def test_model_lines_that_fail_the_check_fall_back_to_the_template():
    from knowledge.tools.copywriter import parse_reply, product_records
    from knowledge.loaders import normalise_product

    product = normalise_product(CATALOG["TP-JKT-001"], {})
    reply = parse_reply(
        "DESCRIPTION: A 2.5-layer recycled nylon rain shell with fully taped seams.\n"
        "**BENEFIT:** Waterproof to 20,000 mm, so drizzle stays outside.\n"
        "SOCIAL: Our best-selling jacket, rated 4.9 stars.\n"
        "DEAL: Now only $99!"
    )
    records = {r.get("variant", r["field"]): r for r in product_records(product, "en", reply)}
    assert records["description"]["source"] == "model" and records["description"]["checked"] is True
    assert records["benefit"]["text"] == "Waterproof to 20,000 mm, so drizzle stays outside."
    for variant, template in (("social", "Rated 4.7★ by shoppers."), ("deal", "Just $149.00.")):
        r = records[variant]
        assert (r["text"], r["source"], r["checked"]) == (template, "template", False)
        assert r["dropped"] and r["problems"]
    assert any("price" in p for p in records["deal"]["problems"])


@pytest.mark.llm
def test_copy_cli_with_the_local_model(tmp_path):
    """One product in English through the real local model (~60 s on 2 cores)."""
    from knowledge.config import Settings
    from knowledge.tools.copywriter import run_copy

    out = tmp_path / "draft.jsonl"
    try:
        assert run_copy(Settings.from_env(), STORE_DIR / "catalog.jsonl", out, limit=1, langs=["en"]) == 0
    except (FileNotFoundError, ImportError) as exc:
        pytest.fail(f"the local model is not set up ({exc}): run `make knowledge-setup`")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("variant", r["field"]) for r in records] == ["description", *VARIANTS]
    facts = facts_of(CATALOG["TP-JKT-001"], {})
    for r in records:
        assert r["text"]
        if r["source"] == "model":  # what the model wrote and we kept is backed by the data
            assert r["checked"] is True and check_copy(r["text"], facts).ok
        else:
            assert r["checked"] is False and r["problems"]
