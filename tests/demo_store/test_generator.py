"""The demo store builder (scripts/demo_store): byte-identical output from the source YAML, and clear errors for
source files that break the vocabulary."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scripts.demo_store import FILES, SourceError, generate
from scripts.demo_store.__main__ import main as build_main
from scripts.demo_store.orders import FREE_OVER, SHIPPING
from tests.demo_store.demo import (CATEGORIES, SOURCE, STORE, VOCABULARY)


# ---------------------------------------------------------------------------------------------- generator
def test_generated_files_match_source():
    """data/store/{catalog.jsonl,customers.json,orders.json} are exactly what scripts/demo_store builds."""
    files = generate(SOURCE).files()
    assert list(files) == list(FILES)
    for name, text in files.items():
        assert (STORE / name).read_text(encoding="utf-8") == text, name


def test_command_line_writes_identical_files(tmp_path, capsys):
    assert build_main(["--out", str(tmp_path)]) == 0
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (STORE / name).read_bytes(), name
    assert f"{len(generate(SOURCE).catalog)} products" in capsys.readouterr().out


def test_builder_shipping_rules_match_store(store):
    """The prices, carriers and free-shipping thresholds the builder uses are the ones in store.yml."""
    methods = {m["id"]: m for m in store["shipping"]["methods"]}
    assert set(SHIPPING) == set(methods)
    for method, (price, carriers, _transit) in SHIPPING.items():
        m = methods[method]
        assert price == m["price"] and set(carriers) == set(m["carriers"]), method
        assert FREE_OVER.get(method) == m.get("free_over"), method


def test_source_products_files_match_vocabulary():
    files = {p.stem for p in (SOURCE / "products").glob("*.yml")}
    assert files == set(CATEGORIES)


# ---------------------------------------------------------------------------------------------- source checks
@pytest.fixture
def source_copy(tmp_path):
    """A scratch copy of data/store/source/ the test may break."""
    copy = tmp_path / "source"
    shutil.copytree(SOURCE, copy)
    return copy


def _edit_first_jacket(source: Path, **changes) -> str:
    path = source / "products" / "jackets.yml"
    products = yaml.safe_load(path.read_text(encoding="utf-8"))
    products[0].update(changes)
    path.write_text(yaml.safe_dump(products, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return products[0]["name"]


def test_source_rejects_unknown_brand(source_copy):
    name = _edit_first_jacket(source_copy, brand="Tidalwave")
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    message = str(err.value)
    assert f"products/jackets.yml #1 ({name}): unknown brand 'Tidalwave'" in message
    assert "known brands: " + ", ".join(VOCABULARY["brands"]) in message


def test_source_rejects_unknown_colour(source_copy):
    name = _edit_first_jacket(source_copy, colors=["navy", "teal"])
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    message = str(err.value)
    assert f"products/jackets.yml #1 ({name}): unknown color(s) ['teal']" in message
    assert "known colors: " + ", ".join(VOCABULARY["colors"]) in message


def test_source_rejects_unknown_category(source_copy):
    shutil.copy(source_copy / "products" / "jackets.yml", source_copy / "products" / "skis.yml")
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    message = str(err.value)
    assert "products/skis.yml: unknown category 'skis'" in message
    assert "known categories: " + ", ".join(CATEGORIES) in message


def test_source_lists_every_problem(source_copy):
    """Several mistakes are reported together, one line each, and nothing else is reported."""
    _edit_first_jacket(source_copy, brand="Tidalwave", colors=["teal"], sizes="XS-XXXL", price="cheap")
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 4, lines
    assert all(line.strip().startswith("products/jackets.yml #1 ") for line in lines)
    for word in ("Tidalwave", "teal", "XS-XXXL", "price"):
        assert any(word in line for line in lines), word


def test_source_rejects_pinned_order_for_missing_variant(source_copy):
    path = source_copy / "orders.yml"
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    plan["pinned"][0]["items"][0]["color"] = "purple"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SourceError, match=r"orders.yml pinned #1 \(final_sale_mix\): Recovery Slide comes in colors"):
        generate(source_copy)


def test_source_rejects_unquoted_postal_code(source_copy):
    path = source_copy / "customers.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("postal_code: '05401'", "postal_code: 05401"), encoding="utf-8")
    with pytest.raises(SourceError, match=r"customers.yml #8 \(C008\): postal_code must be text"):
        generate(source_copy)
