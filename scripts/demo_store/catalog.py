"""Building catalog.jsonl records: ids, slugs, URLs, variant stock and the missing ratings."""
from __future__ import annotations

import random
import re

from .products import Product
from .vocabulary import Vocabulary

BASE_URL = "https://tidepool.example"


def slugify(name: str) -> str:
    """The URL slug of a product name: lower case, apostrophes dropped, other runs of symbols -> '-'."""
    s = name.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _stock(rng: random.Random, product: Product) -> list[dict]:
    variants = []
    zero_chance = 0.12 if len(product.colors) * len(product.sizes) > 1 else 0.03
    for colour in product.colors:
        for size in product.sizes:
            if product.sold_out or rng.random() < zero_chance:
                stock = 0
            elif rng.random() < 0.2:
                stock = rng.randint(1, 4)
            else:
                stock = rng.randint(5, 60)
            variants.append({"color": colour, "size": size, "stock": stock})
    return variants


def build_catalog(rng: random.Random, products: list[Product], vocabulary: Vocabulary) -> list[dict]:
    """One catalogue record per product, in order; draws stock, then rating and popularity if not given."""
    counters: dict[str, int] = {}
    catalog = []
    for p in products:
        code = vocabulary.categories[p.category]
        counters[code] = counters.get(code, 0) + 1
        slug = slugify(p.name)
        variants = _stock(rng, p)
        attributes = {"colors": p.colors, "sizes": p.sizes, **p.attributes}
        catalog.append({
            "id": f"TP-{code}-{counters[code]:03d}",
            "name": p.name,
            "name_zh": p.name_zh,
            "description": p.description,
            "description_zh": p.description_zh,
            "category": p.category,
            "brand": p.brand,
            "price": p.price,
            "currency": "USD",
            "url": f"{BASE_URL}/products/{slug}",
            "image": f"{BASE_URL}/img/{slug}.jpg",
            "attributes": attributes,
            "variants": variants,
            "rating": p.rating if p.rating is not None else round(rng.uniform(3.6, 4.8), 1),
            "popularity": p.popularity if p.popularity is not None else rng.randint(60, 1500),
        })
    return catalog
