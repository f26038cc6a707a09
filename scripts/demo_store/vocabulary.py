"""The store's vocabulary (data/store/source/vocabulary.yml): categories, brands, colours, sizes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .problems import Problems, SourceError, is_text_list, read_yaml

KEYS = ("categories", "brands", "colors", "apparel_sizes", "shoe_sizes")
ONE_SIZE = "one size"


@dataclass(frozen=True)
class Vocabulary:
    """The words products may use: categories (with their id codes), brands, colours and sizes."""

    categories: dict[str, str]
    brands: list[str]
    colors: list[str]
    apparel_sizes: list[str]
    shoe_sizes: list[str]

    def all_sizes(self) -> list[str]:
        """Every size a variant may have: apparel sizes, EU shoe sizes and 'one size'."""
        return self.apparel_sizes + self.shoe_sizes + [ONE_SIZE]


def read_vocabulary(path: Path) -> Vocabulary:
    """The vocabulary in `path`; raises SourceError unless every list is present and well-formed."""
    data = read_yaml(path, path.name)
    if not isinstance(data, dict):
        raise SourceError(f"{path.name}: expected a mapping with {', '.join(KEYS)}")
    problems = Problems()
    cats = data.get("categories")
    if not (isinstance(cats, dict) and cats
            and all(isinstance(k, str) and isinstance(v, str) and len(v) == 3 for k, v in cats.items())):
        problems.add(path.name, "categories must map each category to its three-letter id code")
    elif len(set(cats.values())) != len(cats):
        problems.add(path.name, "two categories share an id code")
    for key in ("brands", "colors", "apparel_sizes"):
        if not is_text_list(data.get(key)):
            problems.add(path.name, f"{key} must be a non-empty list of names")
    shoe = data.get("shoe_sizes")
    if not (isinstance(shoe, dict) and isinstance(shoe.get("min"), int) and isinstance(shoe.get("max"), int)
            and shoe["min"] <= shoe["max"]):
        problems.add(path.name, "shoe_sizes must be {min: <EU size>, max: <EU size>}")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        problems.add(path.name, f"unknown keys {unknown}; allowed: {', '.join(KEYS)}")
    problems.raise_if_any()
    return Vocabulary(categories=dict(cats), brands=list(data["brands"]), colors=list(data["colors"]),
                      apparel_sizes=list(data["apparel_sizes"]),
                      shoe_sizes=[str(n) for n in range(shoe["min"], shoe["max"] + 1)])
