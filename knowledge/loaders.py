"""Read the catalogue and documents into chunks. Chunking follows structure: headings, tables, one product per chunk."""
from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from shop.language import document_language

from .config import STORE

MAX_CHARS = 700  # about 150-250 tokens: small chunks keep the prompt (and time to first token) short
PRODUCT_FIELDS = ("id", "name", "description", "category", "brand", "price", "currency", "attributes", "url",
                  "language", "image")
DOC_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}
CHUNKING_VERSION = "2"  # bump when chunk text changes, so re-ingest re-embeds everything once
@dataclass
class Chunk:
    id: str
    text: str
    meta: dict = field(default_factory=dict)  # source, title, url, lang, kind, product_id, price, currency


@dataclass
class Unit:
    """What is re-indexed as a whole when it changes: one product or one document file."""
    key: str
    kind: str  # "product" or "doc"
    digest: str
    chunks: list[Chunk]
    origin: str = ""  # the catalogue file or docs folder it came from: deletions are judged per origin
    record: dict | None = None  # the normalised product, kept beside the index for recommendations


def _digest(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(CHUNKING_VERSION.encode() + raw).hexdigest()[:16]


# ---------- catalogue ----------

def parse_field_map(spec: str | None) -> dict[str, str]:
    """`id=sku,name=title` -> {"sku": "id", "title": "name"} (source column -> our field)."""
    out = {}
    for pair in filter(None, (p.strip() for p in (spec or "").split(","))):
        ours, _, theirs = pair.partition("=")
        if ours not in PRODUCT_FIELDS or not theirs:
            raise ValueError(f"bad --field-map entry {pair!r}; our fields are {', '.join(PRODUCT_FIELDS)}")
        out[theirs.strip()] = ours.strip()
    return out


def read_catalog(path: Path) -> list[dict]:
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8-sig") as f:
        if suffix == ".csv":
            return list(csv.DictReader(f))
        if suffix == ".jsonl":
            return [json.loads(line) for line in f if line.strip()]
        if suffix == ".json":
            data = json.load(f)
            return data.get("products", []) if isinstance(data, dict) else data
    raise ValueError(f"unsupported catalogue format {suffix!r} (use CSV, JSON or JSONL)")


def normalise_product(row: dict, field_map: dict[str, str]) -> dict:
    """Rename mapped columns; keep every unknown column as an attribute so nothing the store wrote is lost."""
    product: dict = {"attributes": {}}
    for key, value in row.items():
        key = field_map.get(key, key)
        if key == "attributes":
            if isinstance(value, str):
                try:
                    value = json.loads(value) if value.strip().startswith("{") else {"details": value}
                except json.JSONDecodeError:
                    value = {"details": value}
            if not isinstance(value, dict):  # a number, list or flag where an object belongs: kept as text
                value = {"details": value} if value not in (None, "", [], {}) else {}
            product["attributes"].update(value)
        elif key in PRODUCT_FIELDS or key.endswith("_zh") or key == "variants":
            product[key] = value
        elif value not in (None, "", [], {}):
            product["attributes"][key] = value
    if not product.get("id") or not product.get("name"):
        raise ValueError("product without id or name")
    product["id"] = str(product["id"]).strip()
    try:
        product["price"] = float(product["price"]) if product.get("price") not in (None, "") else None
    except (TypeError, ValueError):
        product["price"] = None
    product["currency"] = str(product.get("currency") or STORE.currency).upper()
    return product


# Store-internal numbers a shopper never reads (ranking signals); kept in the record, not in the text.
INTERNAL_FIELDS = {"popularity", "rating", "rating_count", "reviews_count", "sales_rank", "cost", "margin"}
UNITS = {"mm": "mm", "g": "g", "l": "L", "c": "°C", "kg": "kg", "cm": "cm", "m2": "m²", "h": "h"}


def field_label(key: str) -> str:
    """A column name as words: "waterproof_rating_mm" -> "waterproof rating (mm)"."""
    words = str(key).split("_")
    if len(words) > 1 and words[-1] in UNITS:
        return " ".join(words[:-1]) + f" ({UNITS[words[-1]]})"
    return " ".join(words)


def _fmt_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _stock_line(variants: list, lang: str) -> str:
    """Stock grouped by colour, from catalogue data: 'In stock: navy (S, M); Out of stock: olive (L)'."""
    if not variants:
        return ""
    groups: dict[bool, dict[str, list[str]]] = {True: {}, False: {}}
    for v in variants:
        groups[int(v.get("stock") or 0) > 0].setdefault(str(v.get("color") or "-"), []).append(str(v.get("size") or ""))
    labels = {True: "有货" if lang == "zh" else "In stock", False: "缺货" if lang == "zh" else "Out of stock"}
    parts = []
    for available in (True, False):
        if groups[available]:
            listed = "; ".join(f"{c} ({', '.join(filter(None, sizes))})" if any(sizes) else c
                               for c, sizes in groups[available].items())
            parts.append(f"{labels[available]}: {listed}")
    return "\n".join(parts)


def product_chunks(p: dict) -> list[Chunk]:
    """One chunk per language the product has text for; prices and stock are written from catalogue data."""
    langs = {"en": (p["name"], p.get("description") or "")}
    if p.get("language") == "zh":
        langs = {"zh": langs["en"]}
    if p.get("name_zh") or p.get("description_zh"):
        langs["zh"] = (p.get("name_zh") or p["name"], p.get("description_zh") or p.get("description") or "")
    price = f"{p['price']:.2f} {p['currency']}" if p.get("price") is not None else ""
    attrs = "; ".join(f"{field_label(k)}: {_fmt_value(v)}" for k, v in p["attributes"].items()
                      if k not in INTERNAL_FIELDS)
    chunks = []
    for lang, (name, desc) in langs.items():
        stock = _stock_line(p.get("variants"), lang)
        if lang == "zh":
            head = [f"商品：{name}（货号 {p['id']}）",
                    f"品牌：{p.get('brand') or '-'}  类别：{p.get('category') or '-'}",
                    f"价格：{price}" if price else "", stock, f"属性：{attrs}" if attrs else "", desc]
        else:
            head = [f"Product: {name} (SKU {p['id']})",
                    f"Brand: {p.get('brand') or '-'}  Category: {p.get('category') or '-'}",
                    f"Price: {price}" if price else "", stock, f"Attributes: {attrs}" if attrs else "", desc]
        text = "\n".join(line for line in head if line.strip())
        meta = {"source": "catalog", "title": name, "url": p.get("url") or "", "lang": lang, "kind": "product",
                "product_id": p["id"], "price": p.get("price") if p.get("price") is not None else -1.0,
                "currency": p.get("currency") or "", "stock": stock}
        for i, piece in enumerate(_split_long(text, keep_first_line=True)):
            chunks.append(Chunk(f"product:{p['id']}:{lang}:{i}", piece, dict(meta)))
    return chunks


def catalog_units(path: Path, field_map: dict[str, str], errors: list[str]) -> list[Unit]:
    units = []
    for n, row in enumerate(read_catalog(path), 1):
        try:
            product = normalise_product(row, field_map)
        except (ValueError, TypeError, AttributeError) as exc:
            errors.append(f"{path} record {n}: {exc}")
            continue
        blob = json.dumps(product, sort_keys=True, ensure_ascii=False, default=str)
        units.append(Unit(f"product:{product['id']}", "product", _digest(blob), product_chunks(product),
                          str(path.resolve()), product))
    return units


# ---------- documents ----------

class _HTMLToMarkdown(HTMLParser):
    """Keep only the structure chunking needs: headings, paragraphs, list items, table rows."""

    BLOCKS = {"p", "div", "li", "br", "tr", "section", "article"}

    def __init__(self):
        super().__init__()
        self.out: list[str] = []
        self.skip = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "nav", "footer"):
            self.skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n" + "#" * int(tag[1]) + " ")
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "nav", "footer"):
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.out.append("\n| " + " | ".join(self.row) + " |")
            self.row = None
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self.skip:
            return
        elif self.cell is not None:
            self.cell.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> tuple[str, str]:
    parser = _HTMLToMarkdown()
    parser.feed(html)
    text = re.sub(r"\n\s*\n+", "\n\n", "".join(parser.out)).strip()
    return text, parser.title.strip()


def read_document(path: Path) -> tuple[str, str]:
    """Return (markdown-ish text, title). Raises on unreadable files; the caller reports and skips them."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import logging

        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken files are reported once, by the caller

        reader = PdfReader(str(path))
        pages = [f"## Page {i}\n\n{(page.extract_text() or '').strip()}" for i, page in enumerate(reader.pages, 1)]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
        text = "\n\n".join(pages)
    else:
        raw = path.read_bytes()
        if b"\x00" in raw[:4096]:
            raise ValueError("binary content")
        text = raw.decode("utf-8-sig")
        title = ""
        if suffix in (".html", ".htm"):
            text, title = html_to_markdown(text)
    first_heading = re.search(r"^#\s+(.+)$", text, re.M)
    title = title or (first_heading.group(1).strip() if first_heading else path.stem.replace("_", " "))
    if not text.strip():
        raise ValueError("no text found")
    return text, title


def _split_long(text: str, keep_first_line: bool = False) -> list[str]:
    """Split at paragraph, then line, then sentence boundaries. A table's header row is repeated in each piece."""
    if len(text) <= MAX_CHARS:
        return [text]
    lines = text.split("\n")
    header = lines[0] if keep_first_line else ""
    table_head = ""
    pieces, cur = [], ""
    for line in lines[1:] if keep_first_line else lines:
        if line.startswith("|") and not table_head:
            table_head = line
        for part in (re.split(r"(?<=[.!?。！？])\s*", line) if len(line) > MAX_CHARS else [line]):
            if cur and len(cur) + len(part) > MAX_CHARS:
                pieces.append(cur)
                cur = (table_head + "\n" if part.startswith("|") and table_head and part != table_head else "")
            cur += part + "\n"
    if cur.strip():
        pieces.append(cur)
    return [(header + "\n" + p).strip() if header else p.strip() for p in pieces]


def markdown_sections(text: str) -> list[tuple[str, str]]:
    """[(heading path, body)]: each section under its nearest headings, so a chunk knows what it is about."""
    sections, path, body = [], [], []

    def flush():
        content = "\n".join(body).strip()
        if content:
            sections.append((" > ".join(h for _, h in path), content))
        body.clear()

    for line in text.split("\n"):
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            flush()
            level = len(m.group(1))
            path[:] = [(lv, h) for lv, h in path if lv < level] + [(level, m.group(2).strip())]
        else:
            body.append(line)
    flush()
    return sections


def document_units(docs_dir: Path, errors: list[str]) -> list[Unit]:
    units = []
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() not in DOC_SUFFIXES:
            continue
        rel = path.relative_to(docs_dir).as_posix()
        try:
            raw = path.read_bytes()
            text, title = read_document(path)
        except Exception as exc:  # any parser error: report the file, keep going
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        lang = "zh" if rel.split("/")[0] == "zh" else document_language(text)
        chunks = []
        for heading, body in markdown_sections(text) or [("", text)]:
            for piece in _split_long(body):
                heading = heading.removeprefix(title).removeprefix(" > ")
                label = f"{title} > {heading}" if heading else title
                n = len(chunks)
                meta = {"source": rel, "title": label, "url": "", "lang": lang, "kind": "doc",
                        "product_id": "", "price": -1.0, "currency": ""}
                chunks.append(Chunk(f"doc:{rel}:{n}", f"{label}\n{piece}", meta))
        units.append(Unit(f"doc:{rel}", "doc", _digest(raw), chunks, str(docs_dir.resolve())))
    return units
