"""Products as written by hand in data/store/source/products/<category>.yml, read and checked."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import Problems, check_keys, is_number, is_text_list, read_yaml
from .vocabulary import ONE_SIZE, Vocabulary

PRODUCT_KEYS = ("name", "name_zh", "brand", "price", "colors", "sizes", "rating", "popularity", "sold_out",
                "attributes", "description", "description_zh")
REQUIRED = ("name", "brand", "price", "colors", "sizes", "attributes", "description")


@dataclass(frozen=True)
class Product:
    """One hand-written product; `sizes` is already expanded from its spec ('XS-XL' -> XS, S, M, L, XL)."""

    category: str
    name: str
    name_zh: str | None
    brand: str
    price: float
    description: str
    description_zh: str | None
    colors: list[str]
    sizes: list[str]
    sold_out: bool
    rating: float | None
    popularity: int | None
    attributes: dict[str, Any]


def expand_sizes(spec: Any, vocabulary: Vocabulary) -> list[str]:
    """The sizes a spec stands for ('XS-XL', 'EU36-46', 'one size' or a list); ValueError if it names none."""
    if isinstance(spec, list):
        unknown = [s for s in spec if s not in vocabulary.all_sizes()]
        if unknown or not spec or len(set(spec)) != len(spec):
            raise ValueError(f"sizes {spec} must be distinct sizes from {', '.join(vocabulary.all_sizes())}")
        return list(spec)
    if spec == ONE_SIZE:
        return [ONE_SIZE]
    if isinstance(spec, str) and spec.count("-") == 1:
        lo, hi = spec.removeprefix("EU").split("-")
        scale = vocabulary.shoe_sizes if spec.startswith("EU") else vocabulary.apparel_sizes
        if lo in scale and hi in scale and scale.index(lo) <= scale.index(hi):
            return scale[scale.index(lo):scale.index(hi) + 1]
    apparel, shoe = vocabulary.apparel_sizes, vocabulary.shoe_sizes
    raise ValueError(f"sizes {spec!r} is not a size range: write a range within {apparel[0]}-{apparel[-1]} "
                     f"or EU{shoe[0]}-{shoe[-1]}, '{ONE_SIZE}', or a list such as [S, M, L]")


def _optional(entry: dict, key: str, ok: bool, message: str, where: str, problems: Problems) -> None:
    if key in entry and not ok:
        problems.add(where, f"{key} {message}, not {entry[key]!r}")


def read_product(entry: Any, category: str, where: str, vocabulary: Vocabulary, problems: Problems) -> Product | None:
    """The product described by `entry`, or None after recording what is wrong with it."""
    if not isinstance(entry, dict):
        problems.add(where, "expected a mapping with " + ", ".join(PRODUCT_KEYS))
        return None
    before = len(problems.lines)
    where = f"{where} ({entry.get('name')})"
    check_keys(entry, PRODUCT_KEYS, REQUIRED, where, problems)
    for key in ("name", "description"):
        _optional(entry, key, isinstance(entry.get(key), str) and bool(entry[key].strip()), "must be text", where,
                  problems)
    if entry.get("brand") not in vocabulary.brands:
        problems.add(where, f"unknown brand {entry.get('brand')!r}; known brands: {', '.join(vocabulary.brands)}")
    _optional(entry, "price", is_number(entry.get("price")) and entry["price"] > 0, "must be a positive number",
              where, problems)
    colors = entry.get("colors")
    if not is_text_list(colors):
        problems.add(where, f"colors must be a list such as [navy, olive], not {colors!r}")
    else:
        unknown = [c for c in colors if c not in vocabulary.colors]
        if unknown:
            problems.add(where, f"unknown color(s) {unknown}; known colors: {', '.join(vocabulary.colors)}")
        if len(set(colors)) != len(colors):
            problems.add(where, f"colors {colors} name a colour twice")
    sizes: list[str] = []
    try:
        sizes = expand_sizes(entry.get("sizes"), vocabulary)
    except ValueError as exc:
        problems.add(where, str(exc))
    if ("name_zh" in entry) != ("description_zh" in entry):
        problems.add(where, "give both name_zh and description_zh, or neither")
    for key in ("name_zh", "description_zh"):
        _optional(entry, key, isinstance(entry.get(key), str), "must be text", where, problems)
    _optional(entry, "rating", is_number(entry.get("rating")) and 1 <= entry["rating"] <= 5,
              "must be a number from 1 to 5", where, problems)
    _optional(entry, "popularity", isinstance(entry.get("popularity"), int) and is_number(entry["popularity"])
              and entry["popularity"] >= 0, "must be a whole number of at least 0", where, problems)
    _optional(entry, "sold_out", isinstance(entry.get("sold_out"), bool), "must be true or false", where, problems)
    attributes = entry.get("attributes")
    if not (isinstance(attributes, dict) and all(isinstance(k, str) for k in attributes)):
        problems.add(where, "attributes must be a mapping such as {material: nylon, weight_g: 340}")
    elif {"colors", "sizes"} & set(attributes):
        problems.add(where, "colors and sizes belong to the product, not to its attributes")
    if len(problems.lines) > before:
        return None
    return Product(category=category, name=entry["name"], name_zh=entry.get("name_zh"), brand=entry["brand"],
                   price=float(entry["price"]), description=entry["description"],
                   description_zh=entry.get("description_zh"), colors=list(colors), sizes=sizes,
                   sold_out=entry.get("sold_out", False),
                   rating=float(entry["rating"]) if "rating" in entry else None,
                   popularity=entry.get("popularity"), attributes=dict(attributes))


def read_products(products_dir: Path, vocabulary: Vocabulary, problems: Problems) -> tuple[list[Product], set]:
    """(valid products in vocabulary category order, each file top to bottom; names of rejected ones)."""
    label = products_dir.name
    rejected: set = set()
    if not products_dir.is_dir():
        problems.add(label, f"folder not found ({products_dir})")
        return [], rejected
    for path in sorted(products_dir.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix != ".yml" or path.stem not in vocabulary.categories:
            problems.add(f"{label}/{path.name}", f"unknown category {path.stem!r} (a products file is named "
                         f"<category>.yml); known categories: {', '.join(vocabulary.categories)}")
    products: list[Product] = []
    for category in vocabulary.categories:
        path = products_dir / f"{category}.yml"
        if not path.exists():
            continue
        data = read_yaml(path, f"{label}/{path.name}")
        if not isinstance(data, list):
            problems.add(f"{label}/{path.name}", "expected a list of products")
            continue
        for n, entry in enumerate(data, 1):
            product = read_product(entry, category, f"{label}/{path.name} #{n}", vocabulary, problems)
            if product is not None:
                products.append(product)
            elif isinstance(entry, dict):
                rejected.add(entry.get("name"))
    seen: set[str] = set()
    for p in products:
        if p.name in seen:
            problems.add(f"{label}/{p.category}.yml ({p.name})", "another product has the same name")
        seen.add(p.name)
    return products, rejected
