"""Catalogue facts: price, stock and attribute questions about one identified product, answered from its record
(exact and instant, no model), and which product a question names."""
from __future__ import annotations

import re

from .index import Hit, Index
from .loaders import INTERNAL_FIELDS, field_label
from .passages import plain, sentences
from .injection import without_instructions
from .recommend import Recommender
from .recommend.catalog import Catalog, norm_size
from .recommend.request import parse
from .recommend.vocabulary import CATEGORY_WORDS, COLOR_ZH
from .text import tokenize

PRICE_Q = re.compile(r"\b(price|priced|cost|costs|how much (?:is|are|for)|expensive|cheap)\b|"
                     r"多少钱|价格|价钱|售价|多少美元|贵|多少刀", re.I)  # 刀: slang for dollars
POLICY_Q = re.compile(r"\b(ship|ships|shipped|shipping|deliver|delivers|delivered|delivery|return|returns|returned|"
                      r"returnable|refund|refunds|refunded|exchange|exchanges|exchanged|warranty|duties|customs)\b|"
                      r"\bsend\b.*\bto\b|运费|配送|邮费|寄|退|换|保修|质保|关税", re.I)
ABOUT_Q = re.compile(r"\btell me (?:more )?about\b|\bmore about\b|\bdescribe\b|介绍|了解一下|说说", re.I)
# "What is TP-JKT-013?", "什么是漂木双人帐篷": nothing asked but the product itself (only said of a named product)
WHAT_IS_Q = re.compile(r"^\s*(?:what(?:'s| is| are)\s+(?:the\s+|a\s+|an\s+)?\S.{0,60}?|什么是\S.{0,30}?|"
                       r"\S.{0,30}?是什么)\s*[?？]?\s*$", re.I)
STOCK_Q = re.compile(r"\b(in stock|stock|available|availability|sold out)\b|有货|有没有货|库存|缺货|现货", re.I)
# Questions about one attribute of a named product are answered from its catalogue record: exact, and instant.
# (attribute key, question pattern, English sentence, Chinese sentence)
ATTRIBUTE_Q = [
    ("max_load_kg", r"\bmax(?:imum)? load\b|\bload capacity\b|how much (?:weight )?can (?:it|i|you) (?:carry|hold)|"
                    r"最多能背|能背多重|承重|负重|最大载重", "carries up to {v} kg", "最大负重 {v} 公斤"),
    ("weight_g", r"\b(weigh|weighs|weight|heavy)\b|多重|重量|几克|多少克", "weighs {v} g", "重 {v} 克"),
    ("material", r"\b(made of|made from|material|fabric)\b|材质|面料|什么材料|什么做的", "is made of {v}",
     "的材质是 {v}"),
    ("waterproof_rating_mm", r"waterproof rating|hydrostatic|防水指数|防水等级", "has a waterproof rating of {v} mm",
     "的防水指数为 {v} 毫米"),
    ("capacity_l", r"\b(capacity|litres?|liters?|volume)\b|容量|多少升", "holds {v} L", "的容量为 {v} 升"),
    ("persons", r"how many (people|persons)|sleeps how many|几个人|几人|多少人", "sleeps {v} people", "可容纳 {v} 人"),
    ("lumens", r"\b(lumens?|how bright|brightness)\b|流明|亮度", "gives up to {v} lumens", "最高亮度 {v} 流明"),
    ("temp_rating_c", r"temperature rating|how warm|温标|温度等级", "is rated to {v} °C", "的温标为 {v}°C"),
    ("upf", r"\bupf\b|sun protection|防晒", "has UPF {v} sun protection", "的防晒指数为 UPF {v}"),
    ("colors", r"\bcolou?rs?\b|颜色|什么色", "comes in {v}", "有这些颜色：{v}"),
    ("sizes", r"\bwhat sizes?\b|\bsizes\b|尺码有|有哪些码|有什么码|几个码", "comes in sizes {v}", "有这些尺码：{v}"),
]
# A row that matches makes these others' matches moot: "最多能背多重" asks the load, not the pack's weight.
SUPERSEDES = {"max_load_kg": {"weight_g"}}
# "How long does the battery last?": a duration, which no catalogue value without a time unit answers.
DURATION_Q = re.compile(r"\bhow long\b|\bhours?\b|\bruntime\b|\blast\b|多久|几个小时|多少小时|多长时间|续航", re.I)
TIME_UNITS = {"h", "hours", "min", "minutes", "days", "years"}
# Yes/no attributes ("is this waterproof?"), said as a sentence, not as "has a waterproof of True".
# (attribute key, question pattern, English yes, English no, Chinese yes, Chinese no)
YES_NO_ATTRIBUTE_Q = [
    # asked as a question, not said in a name ("Waterproof Dry Bag", "防水夹克")
    ("waterproof", r"\b(?:is|are)\b[^?.]*\bwaterproof\s*(?:[?？]|$)|防水吗|防水么|防不防水|是否防水|能防水|防水性",
     "is waterproof", "is not waterproof", "是防水的", "不防水"),
]



# Chinese for words of English column names, so "能过滤多少升水" names filter_liters as "how many liters can it
# filter" does
FIELD_WORDS_ZH = {"filter": "过滤", "liters": "升", "litres": "升", "battery": "电池", "capacity": "容量",
                  "load": "负重|承重", "burn": "燃烧", "time": "时间|多久", "length": "长度|多长", "width": "宽",
                  "height": "高度|多高", "packed": "收纳|打包", "runtime": "续航", "warranty": "质保|保修"}


def says_word(word: str, words: set[str], question: str) -> bool:
    zh = FIELD_WORDS_ZH.get(word)
    return word in words or zh is not None and re.search(zh, question) is not None


def named_fields(question: str, record: dict) -> list[tuple]:
    """Catalogue fields the question names by their own words ("max load" is max_load_kg), as ATTRIBUTE_Q rows."""
    words = set(re.findall(r"[a-z]+", question.lower()))
    out = []
    for key in record:
        label = field_label(key)
        unit = label.partition(" (")[2].rstrip(")")
        said = [w for w in re.findall(r"[a-z]+", label.partition(" (")[0]) if len(w) > 2]
        if said and all(says_word(w, words, question) for w in said) and key not in INTERNAL_FIELDS:
            value, name = "{v}" + (f" {unit}" if unit else ""), label.partition(" (")[0]
            out.append((key, "", f"has a {name} of {value}", chinese_sentence(said, value) or f"的{name}为 {value}"))
    return out


def chinese_sentence(words: list[str], value: str) -> str:
    """A column's words in Chinese, a unit word after the value ("filter liters": "的过滤量为 2000 升"); "" when
    a word has no Chinese here."""
    if not all(w in FIELD_WORDS_ZH for w in words):
        return ""
    zh = [FIELD_WORDS_ZH[w].split("|")[0] for w in words]
    if zh[-1] == "升" and len(zh) > 1:
        return f"的{''.join(zh[:-1])}量为 {value} 升"
    return f"的{''.join(zh)}为 {value}"


def unit_of(key: str) -> str:
    """A field's unit as its column name ends ("capacity_l" and "filter_liters" are both litres)."""
    unit = str(key).rsplit("_", 1)[-1].lower() if "_" in str(key) else ""
    return {"litres": "l", "liters": "l", "l": "l", "kg": "kg", "g": "g"}.get(unit, unit)


def matched_attributes(question: str, record: dict) -> list[tuple]:
    """The ATTRIBUTE_Q rows the question asks about for this record. A field the question names by its own words
    comes first ("how many liters can the filter do" is filter_liters, not capacity_l); a pattern is dropped when
    the record has another field in the same unit it could mean, or when a more specific row supersedes it."""
    patterned = {a[0] for a in ATTRIBUTE_Q} | {a[0] for a in YES_NO_ATTRIBUTE_Q}  # their rows say them better
    named = [a for a in named_fields(question, record)
             if a[0] not in patterned and not isinstance(record.get(a[0]), bool)]
    if named:
        return named
    rows = [a for a in ATTRIBUTE_Q if re.search(a[1], question, re.I)]
    keys = {a[0] for a in rows}
    moot = set().union(*(SUPERSEDES.get(k, set()) for k in keys))
    out = []
    for row in rows:
        unit = unit_of(row[0])
        rivals = [k for k in record if k != row[0] and unit and unit_of(k) == unit and k not in INTERNAL_FIELDS]
        if row[0] not in moot and not rivals:
            out.append(row)
    return out


def answers_duration(key: str) -> bool:
    return unit_of(key) in TIME_UNITS


def yes_no_fields(question: str) -> list[tuple]:
    """The yes/no attributes the question asks about, as ATTRIBUTE_Q-shaped rows whose sentence is chosen later."""
    return [(key, "", (en_yes, en_no), (zh_yes, zh_no)) for key, pattern, en_yes, en_no, zh_yes, zh_no
            in YES_NO_ATTRIBUTE_Q if re.search(pattern, question, re.I)]


def as_yes_no(value) -> bool | None:
    """True/False for a catalogue value that says yes or no (true, "yes", "no"), else None."""
    if isinstance(value, bool):
        return value
    return {"yes": True, "true": True, "no": False, "false": False}.get(str(value).strip().lower())


def singular(tokens: set[str]) -> set[str]:
    """English plurals folded ("boots" names the "Granite Backpacking Boot")."""
    return {t[:-1] if t.isascii() and len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in tokens}


def said_kind(word: str, text: str) -> bool:
    """Whether lowercased `text` says a kind word: an English one as a word (plural too), a Chinese one anywhere."""
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}(?:s|es)?(?![a-z])", text) is not None
    return word in text


def budget(said: dict) -> bool:
    """Whether a parsed message sets a budget: "150 美元以内有没有 M 码的防水外套" asks for products."""
    return bool({"max_price", "min_price"} & said.keys())


def names_product(question: str, hit: Hit, rank: int, q_tokens: set[str], names: list[set[str]] = ()) -> bool:
    """Whether the question names this retrieved product: by id, or by most of its name's words, words that no
    other product's name (`names`: every product's name words) also has all of ("shoe sizes?" names no one shoe,
    "港湾雨衣" neither the 港湾 jacket nor the 港湾 boots; "merino hiking socks" names the one pair)."""
    name_tokens = singular(set(tokenize(hit.meta.get("title", ""))))
    shared = name_tokens & singular(q_tokens)
    if hit.meta["product_id"].lower() in question.lower():
        return True
    unique = sum(1 for other in names if shared <= other) <= 1
    return bool(name_tokens) and unique and (len(shared) / len(name_tokens) >= 0.5 or len(shared) >= 2 and rank == 0)



class CatalogueFacts:
    """The catalogue facts of one index."""

    def __init__(self, index: Index, recommender: Recommender | None = None):
        self.index = index
        self.recommender = recommender or Recommender(index)
        self._names: tuple[int, list[set[str]]] = (-1, [])
        self._name_index: tuple[int, dict[str, set[int]]] = (-1, {})
        self._full_names: tuple[int, list[tuple[str, list[str]]]] = (-1, [])

    @property
    def catalog(self) -> Catalog:
        """The recommender's view of the catalogue, whose parser reads colours and sizes ("黄色 M 码", "in XL")."""
        return self.recommender.catalog

    @property
    def name_words(self) -> list[set[str]]:
        """Every product's name words (English and Chinese names together), per index version."""
        if self._names[0] != self.index.version:
            self._names = (self.index.version, [
                singular(set(tokenize(" ".join(str(record.get(k) or "") for k in ("name", "name_zh")))))
                for record in self.index.products.values()])
        return self._names[1]

    @property
    def name_index(self) -> dict[str, set[int]]:
        """Which products' names (positions in `name_words`) have each word, per index version."""
        if self._name_index[0] != self.index.version:
            by_word: dict[str, set[int]] = {}
            for i, words in enumerate(self.name_words):
                for word in words:
                    by_word.setdefault(word, set()).add(i)
            self._name_index = (self.index.version, by_word)
        return self._name_index[1]

    @property
    def full_names(self) -> list[tuple[str, list[str]]]:
        """(product id, its English and Chinese names of 4 characters or more), per index version."""
        if self._full_names[0] != self.index.version:
            self._full_names = (self.index.version, [
                (pid, [n for n in (record.get("name") or "", record.get("name_zh") or "") if len(n) >= 4])
                for pid, record in self.index.products.items()])
        return self._full_names[1]

    def products_of(self, text: str, hits: list[Hit]) -> list[Hit]:
        """The retrieved products, and any product whose whole name the text contains that retrieval missed: a
        Chinese question naming an English-only product ("Airflow Hiking Shirt 多少钱？") finds only its English
        copy, whose rank in the fused lists is fragile."""
        products = [h for h in hits if h.meta.get("kind") == "product"]
        seen = {h.meta.get("product_id") for h in products}
        low = text.lower()
        for pid, names in self.full_names:
            named = [n for n in names if n.lower() in low]
            if pid in seen or not named:
                continue
            products += self.product_hits(pid, named)
        return products

    def product_hits(self, pid: str, named: list[str]) -> list[Hit]:
        """The first chunk of a product's copy whose title is a name said (the Chinese copy for a Chinese name),
        else its first chunk, as a hit; [] for an unknown product."""
        got = self.index.col.get(where={"product_id": pid}, include=["documents", "metadatas"])
        chunks = sorted(zip(got["ids"], got["documents"], got["metadatas"]),
                        key=lambda c: (c[2].get("title") not in named, c[0]))
        return [Hit(chunks[0][0], chunks[0][1], chunks[0][2], 0.0)] if chunks else []

    def named_product(self, text: str, hits: list[Hit]) -> Hit | None:
        """The retrieved product the question names (by id, or most of its name's words), if any."""
        q_tokens = set(tokenize(text))
        products = sorted(self.products_of(text, hits),
                          key=lambda h: -len(set(tokenize(h.meta.get("title", ""))) & q_tokens))
        return next((h for rank, h in enumerate(products)
                     if names_product(text, h, rank, q_tokens, self.name_words)), None)

    def named_by_kind(self, text: str) -> Hit | None:
        """The product a question names by a word several products' names share and a kind only one of them is:
        "港湾雨衣" is the 港湾 rain jacket, not the 港湾 boots. None unless exactly one product fits."""
        low = text.lower()
        kinds = {category for category, words in CATEGORY_WORDS.items()
                 if any(said_kind(w, low) for w in words.split("|")[0].split())}
        if not kinds:
            return None
        q_tokens = {t for t in singular(set(tokenize(text))) if len(t) > 1 and not t.isdigit()}
        by_word, names, pids = self.name_index, self.name_words, list(self.index.products)
        fits = []
        for i in set().union(*(by_word.get(t, set()) for t in q_tokens)):
            shared = q_tokens & names[i]
            # a word of other products' names too (a line's name): the kind has to tell which one is meant
            line = len(set.intersection(*(by_word[t] for t in shared))) > 1
            if line and self.index.products[pids[i]].get("category") in kinds:
                fits.append(pids[i])
        if len(fits) != 1:
            return None
        record = self.index.products[fits[0]]
        name = record.get("name_zh") if re.search(r"[\u4e00-\u9fff]", text) else None  # the asker's language's copy
        return next(iter(self.product_hits(fits[0], [name or record.get("name") or ""])), None)

    def fact(self, question: str, hits: list[Hit], lang: str) -> tuple[str, Hit] | None:
        """The answer to a price, stock or attribute question about one identified product, from its catalogue
        record, with the product's hit to cite; None when the question asks none of these. A question about a
        policy that names a product ("does shipping the tent cost extra?") is not a price question."""
        policy = POLICY_Q.search(question) is not None
        asks_price = PRICE_Q.search(question) is not None and not policy
        asks_stock = STOCK_Q.search(question) is not None
        about = ABOUT_Q.search(question) is not None
        duration = DURATION_Q.search(question) is not None
        q_tokens = set(tokenize(question))
        products = self.products_of(question, hits)
        # the product the question names best: most of its name's words ("Zephyr UL 1", not "Zephyr UL 2")
        products.sort(key=lambda h: -len(set(tokenize(h.meta.get("title", ""))) & q_tokens))
        named = [hit for rank, hit in enumerate(products)
                 if names_product(question, hit, rank, q_tokens, self.name_words)]
        for hit in named or list(filter(None, [self.named_by_kind(question)])):
            name, pid = hit.meta["title"], hit.meta["product_id"]
            record = self.index.products.get(pid, {}).get("attributes") or {}
            asked_fields = [] if policy else matched_attributes(question, record) + yes_no_fields(question)
            if duration:  # "how long does the battery last": a mAh value is not an answer
                asked_fields = [a for a in asked_fields if answers_duration(a[0])]
            said = {} if policy else parse(question, self.catalog)
            color, size = said.get("color"), said.get("size")
            # "What is TP-JKT-013?" asks for the product; "what's the inseam on the Canvas Work Pant?" for a detail
            rest = q_tokens - set(tokenize(f"{name} {pid}")) - {"what", "what's", "是什么", "什么"}
            about = about or (WHAT_IS_Q.match(question) is not None and not rest and not policy)
            if not (asks_price or asks_stock or asked_fields or about or (color or size) and not budget(said)):
                return None
            parts = []
            if asks_price and hit.meta.get("price", -1) >= 0:
                price = f"{hit.meta['price']:.2f} {hit.meta['currency']}"
                parts.append(f"{name}（{pid}）的价格是 {price}。" if lang == "zh"
                             else f"The {name} ({pid}) costs {price}.")
            stock = hit.meta.get("stock", "").split("\n")
            variant = None
            # "harbor shell in 3XL?", "港湾夹克黄色 M 码有货吗": that colour and size, from the variants
            if (color or size) and not asked_fields and not about and not budget(said):
                variant = self.variant_availability(pid, name, color, size, lang)
            if variant:
                parts.append(variant)
            elif asks_stock and stock[0]:
                parts.append(("；".join(stock) + "。") if lang == "zh" else ("; ".join(stock) + "."))
            for key, _, en, zh in asked_fields:
                value = record.get(key)
                if isinstance(en, tuple):  # a yes/no attribute: only a value that clearly says yes or no answers it
                    yes = as_yes_no(value)
                    if yes is not None:
                        said = (zh if lang == "zh" else en)[0 if yes else 1]
                        parts.append(f"{name}（{pid}）{said}。" if lang == "zh" else f"The {name} ({pid}) {said}.")
                    continue
                if value not in (None, "", []):
                    value = ", ".join(map(str, value)) if isinstance(value, list) else value
                    said = (zh if lang == "zh" else en).format(v=value)
                    parts.append(f"{name}（{pid}）{said}。" if lang == "zh" else f"The {name} ({pid}) {said}.")
            if about and not parts:  # "Tell me more about X": its own description and price, from the record
                parts.append(self.overview(pid, lang))
            return (" ".join(parts), hit) if parts else None
        return None

    def variant_availability(self, product_id: str, name: str, color: str | None, size: str | None,
                             lang: str) -> str | None:
        """Whether the product comes in, and has in stock, the colour and/or size asked, from its variants; when
        it does not come in them, what it does come in."""
        product = self.catalog.products[product_id]
        size = norm_size(size) if size else None
        zh = lang == "zh"
        shown = lambda c: COLOR_ZH.get(c, c) if zh else c  # noqa: E731
        head = f"{name}（{product_id}）" if zh else f"The {name} ({product_id})"
        record = self.index.products.get(product_id, {})
        listed_sizes = [norm_size(s) for s in (record.get("attributes") or {}).get("sizes") or []]
        order = {s: i for i, s in enumerate(listed_sizes)}  # the catalogue's order (XS … XXL), not the alphabet's
        sizes = sorted(product.sizes, key=lambda s: (order.get(s, len(order)), s))
        if size and sizes and size not in sizes:
            return (f"{head}没有 {size} 码，尺码有：{'、'.join(sizes)}。" if zh
                    else f"{head} doesn't come in {size}: its sizes are {', '.join(sizes)}.")
        if color and product.colors and color not in product.colors:
            colors = ("、" if zh else ", ").join(map(shown, product.colors))
            return (f"{head}没有{shown(color)}，颜色有：{colors}。" if zh
                    else f"{head} doesn't come in {color}: its colours are {colors}.")
        counts: dict[tuple[str, str], int] = {}
        for v in record.get("variants") or []:
            if isinstance(v, dict):
                key = (str(v.get("color") or "").lower(), norm_size(v.get("size") or ""))
                counts[key] = counts.get(key, 0) + int(v.get("stock") or 0)
        wanted = {k: n for k, n in counts.items() if (not color or k[0] == color) and (not size or k[1] == size)}
        which = (" ".join(filter(None, [shown(color) if color else "", f"{size} 码" if size else ""])) if zh
                 else ", ".join(filter(None, [color, f"size {size}" if size else ""])))
        if not wanted:
            return None  # no variant data: the record's stock line says what there is
        left = sum(wanted.values())
        if color and size:
            if left <= 0:
                return f"{head}{which}暂时缺货。" if zh else f"{head} in {which} is out of stock right now."
            return (f"有货：{head}{which}还有 {left} 件。" if zh
                    else f"Yes, the {name} ({product_id}) in {which} is in stock ({left} left).")
        other = 1 if color else 0  # a colour asked lists its sizes, a size its colours
        have = [shown(k[0]) if other == 0 else k[1] for k, n in
                sorted(wanted.items(), key=lambda kv: (order.get(kv[0][1], len(order)), kv[0])) if n > 0]
        if not have:
            return f"{head}{which}暂时缺货。" if zh else f"{head} in {which} is out of stock right now."
        listed = ("、" if zh else ", ").join(dict.fromkeys(have))
        return (f"{head}{which}有货的{'尺码' if other else '颜色'}：{listed}。" if zh
                else f"Yes, the {name} ({product_id}) in {which} is in stock in {'sizes' if other else 'colours'} "
                     f"{listed}.")

    def overview(self, product_id: str, lang: str) -> str:
        """A product's first two description sentences and its price, as the store wrote them."""
        record = self.index.products.get(product_id, {})
        name = (record.get("name_zh") if lang == "zh" else None) or record.get("name", product_id)
        description = (record.get("description_zh") if lang == "zh" else None) or record.get("description") or ""
        said = " ".join(sentences(plain(without_instructions(description)))[:2])
        price = record.get("price")
        if price is None:
            return f"{name}（{product_id}）：{said}" if lang == "zh" else f"{name} ({product_id}): {said}"
        amount = f"{price:.2f} {record.get('currency', '')}".strip()
        return (f"{name}（{product_id}）：{said} 价格 {amount}。" if lang == "zh"
                else f"{name} ({product_id}): {said} Price: {amount}.")
