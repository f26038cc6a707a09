"""The demo store's pages (a product listing and product pages from data/store/catalog.jsonl), each embedding the
chat widget with one script tag, as a store would. Every catalogue value is escaped. `hostile` adds a stylesheet
that tries to break the widget (the widget must survive it); `a11y` gives the widget an open shadow root, so an
accessibility checker can see into it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote, urlencode

PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
])

STORE_CSS = """
body { margin: 0; font: 16px/1.5 Georgia, "Times New Roman", serif; color: #1f2a2e; background: #fbfaf7; }
header.store { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 14px 24px;
  background: #20343b; color: #fff; }
header.store a { color: #fff; text-decoration: none; font-size: 1.3rem; font-weight: bold; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 18px; padding: 0;
  list-style: none; }
.tile { padding: 14px; border: 1px solid #d9d4c7; border-radius: 8px; background: #fff; }
.tile a { color: #14505f; font-weight: bold; }
.swatch { display: grid; place-items: center; height: 120px; margin-bottom: 10px; border-radius: 6px;
  background: #e3ece9; color: #20343b; font-size: 2.4rem; }
.price { color: #1f2a2e; font-weight: bold; }
.product { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr); gap: 28px; }
.product .swatch { height: 300px; font-size: 5rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
.facts dt { font-weight: bold; }
.facts dd { margin: 0; }
.store-open { min-height: 44px; padding: 10px 18px; border: 0; border-radius: 6px; background: #14505f; color: #fff;
  font: inherit; cursor: pointer; }
.store-open:focus-visible { outline: 3px solid #f2a541; outline-offset: 2px; }
nav.crumbs a { color: #14505f; }
@media (max-width: 640px) { .product { grid-template-columns: 1fr; } main { padding: 14px; } }
"""

# What a careless or hostile store theme does to third-party widgets. The widget lives in a shadow root with inline
# !important resets on its host element, so none of this may reach it.
HOSTILE_CSS = """
* { font-size: 40px !important; color: red !important; box-sizing: content-box !important;
    font-family: "Comic Sans MS", cursive !important; letter-spacing: 3px !important; }
button:not(.store-open) { display: none !important; }
iframe { display: none !important; }
body > *:last-child { opacity: .05 !important; transform: scale(.2) !important; filter: blur(6px) !important; }
[role="dialog"], [aria-label], svg { display: none !important; visibility: hidden !important; }
div { position: static !important; z-index: -1 !important; }
body { overflow-x: hidden !important; }
"""

# The store's own button opening the chat: a store script calling the widget's API.
STORE_JS = """document.querySelectorAll("[data-open-chat]").forEach(function (button) {
  button.addEventListener("click", function () { if (window.Tidepool) window.Tidepool.open(); });
});
"""

GREETING = {"en": "Hi! Ask me about this product, your order, shipping or returns.",
            "zh": "你好！可以问我这件商品、订单、配送或退货的问题。"}
TEXT = {
    "en": {"shop": "Shop all gear", "ask": "Questions? Chat with us", "price": "Price", "back": "All products",
           "category": "Category", "brand": "Brand", "id": "Item"},
    "zh": {"shop": "全部商品", "ask": "有问题？在线咨询", "price": "价格", "back": "全部商品",
           "category": "类别", "brand": "品牌", "id": "货号"},
}


@dataclass(frozen=True)
class PageOptions:
    """How a demo page is drawn, from its query string; links between demo pages keep them."""

    lang: str = "en"
    hostile: bool = False
    a11y: bool = False

    @classmethod
    def from_query(cls, query) -> "PageOptions":
        return cls(lang="zh" if query.get("lang") == "zh" else "en", hostile=query.get("hostile") == "1",
                   a11y=query.get("a11y") == "1")

    def query(self) -> str:
        params = {k: v for k, v in (("lang", "zh" if self.lang == "zh" else ""), ("hostile", "1" if self.hostile
                                    else ""), ("a11y", "1" if self.a11y else "")) if v}
        return f"?{urlencode(params)}" if params else ""


def load_catalog(path: Path) -> dict[str, dict]:
    """Product id -> record, in file order; unreadable lines and records without an id or name are skipped."""
    products: dict[str, dict] = {}
    if not path.is_file():
        return products
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str) and record.get("name"):
            products[record["id"]] = record
    return products


def _name(product: dict, lang: str) -> str:
    return str((product.get("name_zh") if lang == "zh" else None) or product.get("name") or product["id"])


def _price(product: dict) -> str:
    price = product.get("price")
    return f"{price:.2f} {product.get('currency', '')}".strip() if isinstance(price, (int, float)) else ""


def _page(title: str, body: str, options: PageOptions, head: str = "") -> str:
    """A whole store page with the widget's one script tag, as the store would paste it."""
    hostile = '\n  <link rel="stylesheet" href="/demo/hostile.css">' if options.hostile else ""
    shadow = ' data-shadow="open"' if options.a11y else ""
    text = TEXT[options.lang]
    return f"""<!doctype html>
<html lang="{"zh-CN" if options.lang == "zh" else "en"}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)} · Tidepool Outfitters</title>{head}
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/demo/store.css">{hostile}
  <script src="/demo/store.js" defer></script>
  <script src="/widget.js" data-position="right" data-color="#0b5d7a" data-language="{options.lang}"
          data-greeting="{escape(GREETING[options.lang])}"{shadow} defer></script>
</head>
<body>
  <header class="store">
    <a href="/demo/{escape(options.query())}">Tidepool Outfitters</a>
    <button type="button" class="store-open" data-open-chat>{escape(text["ask"])}</button>
  </header>
  <main>
{body}
  </main>
</body>
</html>
"""


def listing_page(products: dict[str, dict], options: PageOptions) -> str:
    """Every product as a tile linking to its page."""
    tiles = []
    for product in products.values():
        name = _name(product, options.lang)
        href = f"/demo/products/{quote(product['id'], safe='')}{options.query()}"
        tiles.append(f"""      <li class="tile">
        <div class="swatch" aria-hidden="true">{escape(name[:1].upper())}</div>
        <a href="{escape(href)}">{escape(name)}</a>
        <p class="price">{escape(_price(product))}</p>
      </li>""")
    body = f"""    <h1>{escape(TEXT[options.lang]["shop"])}</h1>
    <ul class="grid">
{chr(10).join(tiles)}
    </ul>"""
    return _page(TEXT[options.lang]["shop"], body, options)


def product_page(product: dict, options: PageOptions) -> str:
    """One product, declared to the widget with <meta name="tidepool:product">."""
    text = TEXT[options.lang]
    name = _name(product, options.lang)
    description = str((product.get("description_zh") if options.lang == "zh" else None)
                      or product.get("description") or "")
    facts = [(text["id"], product["id"]), (text["price"], _price(product)),
             (text["category"], str(product.get("category") or "")), (text["brand"], str(product.get("brand") or ""))]
    rows = "\n".join(f"        <dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts if v)
    head = (f'\n  <meta name="tidepool:product" content="{escape(product["id"])}">'
            f'\n  <meta name="tidepool:product-name" content="{escape(name)}">')
    back = f'<a href="/demo/{escape(options.query())}">{escape(text["back"])}</a>'
    body = f"""    <nav class="crumbs" aria-label="Breadcrumb">{back}</nav>
    <article class="product">
      <div class="swatch" aria-hidden="true">{escape(name[:1].upper())}</div>
      <div>
        <h1>{escape(name)}</h1>
        <p>{escape(description)}</p>
        <dl class="facts">
{rows}
        </dl>
        <p><button type="button" class="store-open" data-open-chat>{escape(text["ask"])}</button></p>
      </div>
    </article>"""
    return _page(name, body, options, head)
