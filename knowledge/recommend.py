"""Product recommendations. A shopper's message (English or Chinese) becomes a JSON request state that follow-ups
("cheaper", "in blue", "换几个") refine; a product that breaks a hard constraint (budget, colour and size in stock,
category, brand, audience, excluded colours) is never returned; the rest are ranked by the index's hybrid retrieval,
profile fit and rating, and each pick is explained in one sentence made only of that product's own data."""
from __future__ import annotations

import json
import re
from itertools import combinations
from typing import Callable

from .loaders import detect_lang
from .store import Index
from .text import tokenize

# ---------- vocabulary: the catalogue's own values plus small bilingual synonym tables ----------

COLOR_ZH = {"black": "黑色", "white": "白色", "grey": "灰色", "navy": "藏青色", "blue": "蓝色", "green": "绿色",
            "olive": "橄榄绿", "red": "红色", "orange": "橙色", "yellow": "黄色", "pink": "粉色", "purple": "紫色",
            "brown": "棕色", "beige": "米色"}
COLOR_WORDS = {"gray": "grey", "khaki": "beige", "tan": "beige", "cream": "beige", "navy blue": "navy",
               "dark blue": "navy", "light blue": "blue", "sky blue": "blue", "olive green": "olive",
               "藏青": "navy", "海军蓝": "navy", "深蓝": "navy", "军绿": "olive", "橄榄绿": "olive", "橄榄": "olive",
               "卡其": "beige", "米色": "beige", "米白": "beige", "咖啡色": "brown", "粉红": "pink", "天蓝": "blue"}
COLOR_CHAR = {"黑": "black", "白": "white", "灰": "grey", "蓝": "blue", "绿": "green", "红": "red", "橙": "orange",
              "黄": "yellow", "粉": "pink", "紫": "purple", "棕": "brown", "褐": "brown"}  # only before 色/的/款
# Words for the demo store's categories. Before "|" strong, after it weak: a weak word names the category only
# when no strong word does ("fleece jacket" is a jacket). Other catalogues use their own category names.
CATEGORY_WORDS = {
    "jackets": "jacket coat raincoat parka puffy anorak windbreaker hardshell 外套 夹克 冲锋衣 雨衣 羽绒服 风衣 棉服"
               " 滑雪服|shell",
    "tops": "shirt tee t-shirt polo pullover sweater hoodie rashguard 上衣 衬衫 T恤 t恤 毛衣 卫衣 打底衫 套头衫"
            "|top fleece 抓绒",
    "pants": "pant trousers shorts legging tights 裤子 短裤 长裤 紧身裤|裤",
    "footwear": "shoe boot sandal sneaker trainers footwear 鞋 靴 凉鞋",
    "backpacks": "backpack daypack rucksack 背包 双肩包|pack 包",
    "tents": "tent 帐篷 天幕|shelter",
    "sleeping": "sleeping bag sleeping pad sleeping mat cot 睡袋 睡垫 防潮垫 行军床|mat pad",
    "camp_kitchen": "stove cookware skillet cooler 炉头 炉子 炊具 锅 冷藏箱 餐具|pot pan mug kitchen 杯",
    "accessories": "hat beanie glove sock sunglasses gaiter binoculars 帽子 手套 袜子 登山杖|cap poles",
    "lighting": "headlamp lantern flashlight torch 头灯 营地灯 手电|灯",
    "hydration": "bottle filter flask hydration reservoir 水壶 水瓶 滤水器 保温杯|water 水杯",
}
AUDIENCE = {
    "kids": r"\b(kids?|child(ren)?|boys?|girls?|youth|junior|toddlers?|my (son|daughter))\b"
            r"|儿童|孩子|小孩|童|宝宝|儿子|女儿",
    "women": r"\b(women'?s?|woman'?s|ladies|female|my (wife|girlfriend|mom|mother))\b"
             r"|女款|女士|女生|女式|女性|老婆|妻子|女朋友|妈妈",
    "men": r"\b(men'?s?|man'?s|male|my (husband|boyfriend|dad|father))\b"
           r"|男款|男士|男生|男式|男性|老公|丈夫|男朋友|爸爸"}
# Needs stated in free text -> the attribute that answers them. Reasons quote these attributes; yes/no attributes
# also filter, softly (relaxed, and reported, when nothing else passes).
RAIN = r"\b(waterproof|rain\w*|wet|storms?|stormy|downpours?)\b|防水|雨"
NEEDS = {"waterproof_rating_mm": RAIN, "waterproof": RAIN,
         "temp_rating_c": r"\b(warm|cold|winter|freezing|snow\w*)\b|保暖|冬|冷|下雪",
         "insulated": r"\b(insulated|hot drinks?)\b|保温",
         "weight_g": r"\b(light|lightweight|ultralight|packable)\b|轻",
         "capacity_l": r"\b(capacity|litres?|liters?|big|roomy)\b|容量|大容量",
         "persons": r"\b(people|persons?|family|couple)\b|双人|家庭|[一二三四两1-6]\s*人",
         "lumens": r"\b(bright|lumens?|dark)\b|亮|夜",
         "upf": r"\b(sun|uv|upf)\b|防晒|紫外线|太阳",
         "material": r"\b(merino|wool|down|cotton|nylon|polyester|fleece|leather|hemp|linen|recycled)\b|羊毛|美利奴|"
                     r"羽绒|棉|尼龙|涤纶|抓绒|真皮|汉麻|再生"}
# "Goes well with": the demo store's category pairs, most useful first; other catalogues fall back to retrieval.
COMPLEMENTS = {"jackets": ["pants", "backpacks", "accessories", "tops"], "tops": ["pants", "jackets", "accessories"],
               "pants": ["tops", "footwear", "jackets"], "footwear": ["accessories", "pants", "backpacks"],
               "backpacks": ["hydration", "lighting", "accessories"], "tents": ["sleeping", "lighting", "camp_kitchen"],
               "sleeping": ["tents", "lighting", "camp_kitchen"], "camp_kitchen": ["hydration", "lighting", "tents"],
               "accessories": ["jackets", "backpacks", "footwear"], "lighting": ["tents", "backpacks", "camp_kitchen"],
               "hydration": ["backpacks", "camp_kitchen", "lighting"]}
SIZE_WORDS = {"small": "S", "medium": "M", "large": "L", "extra large": "XL", "x-large": "XL", "小号": "S", "中号": "M",
              "大号": "L", "加大": "XL", "加大号": "XL", "特大号": "XXL", "均码": "ONE SIZE", "one size": "ONE SIZE"}
SIZE = r"[2-5]XL|XXXL|XXL|XL|XS|S|M|L|\d{1,2}(?:\.5)?"
# (pattern, case-sensitive, explicit). The first match wins; a loose one ("in M") only if the catalogue has that
# size, an explicit one ("size 10", "10码") always, so a size we do not carry empties the list instead of vanishing.
SIZE_PATTERNS = [
    (rf"\b(?:size|sz)\s*(?:is|:)?\s*(?:eu\s*)?({SIZE}|small|medium|large|extra large|x-large)\b", False, True),
    (r"\beu\s*(\d{2})\b", False, True), (rf"(?<![A-Za-z0-9])({SIZE})\s*(?:码|号)", False, True),
    (rf"尺码\s*(?:是|为)?\s*({SIZE})", False, True), (r"(?<![A-Za-z0-9])(XXL|XL|XS)(?![A-Za-z])", False, False),
    (r"\bin (?:an? )?(S|M|L)\b", True, False), (r"\b(S|M|L)\s+size\b", True, False),
    (r"\bin (small|medium|large|extra large|x-large)\b", False, False),
    (r"(小号|中号|大号|加大号|加大|特大号|均码|one size)", False, False)]

NOT_A_PRICE = (r"(?!\s*(?:kg|g\b|grams?|lbs?|oz|l\b|lit|mm|cm|m\b|lumens?|people|persons?|°|degrees?|c\b|%"
               r"|度|公斤|克|升|毫米|人|流明))")
NUM = r"(\d[\d,]*(?:\.\d+)?)"
CUR = r"\s*(?:dollars?|usd|bucks|块钱|块|元|美元|美金|刀)"
BUDGET = [  # (pattern, kind); the first match wins
    (rf"(?:between|from)\s*\$?\s*{NUM}{CUR}?\s*(?:and|to|-|–)\s*\$?\s*{NUM}{CUR}?", "range"),
    (rf"\$\s*{NUM}\s*(?:-|–|to)\s*\$?\s*{NUM}", "range"),
    (rf"{NUM}\s*(?:-|–|to)\s*{NUM}{CUR}", "range"),
    (rf"{NUM}{CUR}?\s*(?:到|至|-|~|～)\s*{NUM}\s*(?:(?:块钱|块|元|美元|美金|刀)\s*(?:之间)?|之间)", "range"),
    (rf"(?:under|below|less than|cheaper than|up to|max(?:imum)?|at most|no more than|within|not over|"
     rf"budget(?: of| is)?|around|about|<=?)\s*\$?\s*{NUM}{NOT_A_PRICE}(?:{CUR})?", "max"),
    (rf"\$?\s*{NUM}{CUR}?\s*(?:or less|or under|max\b|tops\b|以内|以下|之内|内|左右)", "max"),
    (rf"(?:预算|不超过|不到|低于|少于|最多|最高|别超过)\s*(?:是|在|为|大概|大约)?\s*\$?\s*{NUM}{NOT_A_PRICE}"
     rf"(?:{CUR})?", "max"),
    (rf"(?:over|above|more than|at least|starting at|>=?|高于|超过|至少)\s*(?:\${NUM}|{NUM}{CUR})", "min"),
    (rf"\$?\s*{NUM}{CUR}?\s*(?:以上|or more|and up)", "min"),
    (rf"\$\s*{NUM}", "max")]
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUM = "[零一二两三四五六七八九十百千]+"

CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable|budget[- ]friendly)\b"
                     r"|便宜|实惠|价格低", re.I)
PRICIER = re.compile(r"\b(more expensive|pricier|higher[- ]end|premium|better quality)\b|贵一点|贵一些|高端|更好", re.I)
OTHERS = re.compile(r"\b(others?|another|something else|anything else|more options|show me more|different ones?|"
                    r"any more|next ones?)\b|换|别的|其他|其它|还有吗|还有别|不喜欢这", re.I)
REFINE = re.compile(r"\b(what about|how about|instead|only|those|these|them|ones?|any in|do you have (it|them|one))\b"
                    r"|^\s*(and|but|in)\b|那|呢|有没有|改成|要", re.I)
NEGATION = re.compile(r"(?:\b(?:not?|except|other than|anything but|any colou?r but|but not|avoid|without|non-?|hate)"
                      r"|n't(?:\s+(?:want|like|need))?)\s*(?:(?:an?|any|the|in|too|anything)\s+)?$"
                      r"|(?:不要|别要|不想要|除了|非|不是|别|不喜欢|不买)(?:的)?\s*$", re.I)
FILLER = set("""want need looking look show something anything some recommend recommendation suggest buy get find
good nice great best ones one maybe please thanks really new pair item items product products like would love
推荐 想 买 一个 一件 一双 一款 一些 一顶 有 什么 给 看看 找 需要 想要 哪个 好 合适 东西 款 帮 个 件 双 款式 一下 用
没有 有没有 还有 那 几个 点 一点 再 来 适合 要 能 可以 吗 呢 不要 别 除了 不想要 之间
dollars dollar usd bucks""".split())

EMPTY_MSG = {
    "category": ("Nothing in that category is available right now.", "这个类别目前没有可推荐的商品。"),
    "brand": ("Nothing from that brand matches right now.", "这个品牌目前没有符合条件的商品。"),
    "audience": ("Nothing made for them matches right now.", "目前没有适合该人群的商品。"),
    "in_stock": ("Everything that matches is out of stock right now.", "符合条件的商品目前都缺货。"),
    "color": ("Nothing that matches is in stock in {color}.", "符合条件的商品没有{color_zh}的库存。"),
    "exclude_color": ("Everything that matches only comes in colours you don't want.",
                      "符合条件的商品只有您不想要的颜色。"),
    "size": ("Nothing that matches is in stock in size {size}.", "符合条件的商品没有 {size} 码的库存。"),
    "max_price": ("Nothing that matches is within {budget}.", "在 {budget} 以内没有符合条件的商品。"),
    "min_price": ("Nothing that matches costs {min} or more.", "没有 {min} 以上的符合条件的商品。"),
    "cheaper": ("Those were already the cheapest that match.", "刚才那些已经是最便宜的了。"),
    "shown": ("That's everything that matches; there are no others.", "符合条件的就这些了，没有别的了。"),
}
RELAXED_MSG = {
    "profile": ("Nothing matched your saved preferences, so I set them aside.",
                "没有符合您保存偏好的商品，已暂时忽略偏好。"),
    "needs": ("Nothing matched everything you described, so these meet the rest.",
              "没有完全符合您描述的商品，以下商品符合其他条件。"),
    "audience": ("Only kids' products match, so these are for kids.", "只有儿童款符合条件，以下为儿童款。")}
PERSONS = re.compile(r"\b(\d|one|two|three|four|five|six)[- ]?(?:person|people|man|p)\b"
                     r"|([1-6一二两三四五六单双])\s*人", re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "单": 1, "双": 2} | CN_DIGITS
STATE_KEYS = {"lang": str, "mode": str, "product_id": str, "query": str, "category": str, "brand": str, "color": str,
              "size": str, "audience": str, "max_price": float, "min_price": float, "below": float, "persons": float,
              "exclude_colors": list, "needs": list, "exclude_ids": list, "shown": list, "last": list}


def cn_number(text: str) -> int:
    """两百 -> 200, 一百五 -> 150, 三十 -> 30, 百 -> 100: enough for budgets."""
    total, digit, scale = 0, None, 10
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            scale = {"十": 10, "百": 100, "千": 1000}[ch]
            total, digit = total + (1 if digit is None else digit) * scale, None
    return total + (digit * max(1, scale // 10) if digit is not None and total else digit or 0)


def money(value: float, currency: str, lang: str) -> str:
    amount = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    if currency == "USD":
        return f"{amount} 美元" if lang == "zh" else f"${amount}"
    return f"{amount} {currency}"


def split_values(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in re.split(r"[,;/|]", str(value or "")) if v.strip()]


def norm_size(size) -> str:
    return re.sub(r"^EU\s*", "", str(size).strip().upper()).replace("2XL", "XXL")


def truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "no", "false", "n", "out of stock", "sold out", "unavailable")
    return bool(value)


# ---------- the catalogue as the recommender sees it ----------

class Product:
    """A normalised product plus what filtering needs: in-stock (colour, size) pairs, audience, text, rating."""

    def __init__(self, p: dict):
        self.data, self.id, self.attrs = p, p["id"], p.get("attributes") or {}
        self.price = p.get("price")
        self.currency = p.get("currency") or "USD"
        self.category = str(p.get("category") or "").strip().lower()
        self.brand = str(p.get("brand") or "").strip()
        variants = p.get("variants")
        if isinstance(variants, str):  # a CSV column holding JSON
            try:
                variants = json.loads(variants)
            except ValueError:
                variants = None
        colors = {c.lower() for k, v in self.attrs.items() if re.fullmatch(r"colou?rs?|colou?rway", k.lower())
                  for c in split_values(v)}
        sizes = {norm_size(s) for k, v in self.attrs.items() if re.fullmatch(r"sizes?", k.lower())
                 for s in split_values(v)}
        if isinstance(variants, list) and variants:  # (colour, size) -> in stock, from the catalogue only
            self.stock = {(str(v.get("color") or "").lower(), norm_size(v.get("size") or "")):
                          truthy(v.get("stock", v.get("in_stock", True))) for v in variants if isinstance(v, dict)}
        else:  # no variants: every listed colour and size is in stock, unless an in_stock/stock field says not
            flag = next((self.attrs[k] for k in ("in_stock", "stock", "available", "availability", "inventory")
                         if k in self.attrs), True)
            self.stock = {(c, s): truthy(flag) for c in colors or {""} for s in sizes or {""}}
        self.available = sorted(pair for pair, ok in self.stock.items() if ok)
        self.colors = sorted({c for c, _ in self.stock if c} | colors)
        self.sizes = sorted({s for _, s in self.stock if s} | sizes)
        who = " ".join(str(self.attrs.get(k, "")) for k in ("gender", "age", "audience", "age_group"))
        who = f"{who} {p.get('name', '')}".lower()
        self.audience = ("kids" if re.search(r"\b(kids?|child|children|youth|junior|boys|girls)\b", who)
                         else "women" if re.search(r"\bwom[ae]n'?s?\b|\bfemale\b", who)
                         else "men" if re.search(r"\bm[ae]n'?s?\b|\bmale\b", who) else "")
        self.text = " ".join(str(p.get(k) or "") for k in ("name", "name_zh", "description", "description_zh")).lower()
        try:
            self.rating = float(p.get("rating") if p.get("rating") is not None else self.attrs.get("rating", 0))
        except (TypeError, ValueError):
            self.rating = 0.0

    def name(self, lang: str) -> str:
        return (self.data.get("name_zh") if lang == "zh" else None) or self.data["name"]

    def variant(self, color: str | None = None, size: str | None = None, excluded=()) -> tuple[str, str] | None:
        """An in-stock (colour, size) that meets the request, or None."""
        for c, s in self.available:
            if (not color or c == color) and (not size or s == size) and (not c or c not in excluded):
                return c, s
        return None


class Catalog:
    def __init__(self, products: dict[str, dict]):
        self.products = {pid: Product(p) for pid, p in products.items()}
        items = list(self.products.values())
        self.categories = sorted({p.category for p in items if p.category})
        self.brands = sorted({p.brand for p in items if p.brand}, key=len, reverse=True)
        self.colors = {c for p in items for c in p.colors} | set(COLOR_ZH)
        self.sizes = {s for p in items for s in p.sizes}
        self.bool_attrs = {k for p in items for k, v in p.attrs.items() if isinstance(v, bool)}
        # which categories describe a need at all: a tent that never mentions "insulated" is not "not insulated"
        self.attr_categories = {k: {p.category for p in items if k in p.attrs} for k in self.bool_attrs}
        words: list[tuple[str, str, bool]] = []
        for cat in self.categories:
            strong, _, weak = CATEGORY_WORDS.get(cat, cat.rstrip("s")).partition("|")
            own = {cat, cat.replace("_", " ")}
            words += [(w, cat, True) for w in own | set(strong.split())] + [(w, cat, False) for w in weak.split()]
        self.category_words = words


def find_word(word: str, text: str) -> re.Match | None:
    """English words whole (plural allowed); Chinese anywhere."""
    if re.search(r"[\u4e00-\u9fff]", word):
        return re.search(re.escape(word), text)
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?:e?s)?(?![A-Za-z0-9])", text, re.I)


# ---------- reading one message ----------

def parse(message: str, cat: Catalog) -> dict:
    """What one message asks for; absent keys were not said. `use` is the free text left for semantic search."""
    text = message.replace("，", ", ").replace("＄", "$")
    text = re.sub(rf"({CN_NUM})(?=\s*(?:块|元|美元|刀|美金|以内|以下|之内|左右|以上))",
                  lambda m: str(cn_number(m.group(1))), text)
    text = re.sub(rf"(预算|不超过|不到|低于|少于|最多|最高)(\s*(?:是|在|为|大概|大约)?\s*)({CN_NUM})",
                  lambda m: m.group(1) + m.group(2) + str(cn_number(m.group(3))), text)
    out: dict = {}
    spans: list[tuple[int, int]] = []

    def blank(t: str) -> str:  # later stages must not re-read what an earlier one took ("$100 tops")
        return "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(t))

    for pattern, kind in BUDGET:
        m = re.search(pattern, text, re.I)
        if m:
            nums = [float(g.replace(",", "")) for g in m.groups() if g]
            if kind == "range":
                out["min_price"], out["max_price"] = min(nums), max(nums)
            else:
                out["max_price" if kind == "max" else "min_price"] = nums[0]
            spans.append(m.span())
            break
    # colours: wanted, or excluded by a negation right before ("not black", "不要黑色的", "not black or grey")
    en = "|".join(map(re.escape, sorted({c for c in cat.colors if c.isascii()}
                                        | {w for w in COLOR_WORDS if w.isascii()}, key=len, reverse=True)))
    zh = "|".join(map(re.escape, sorted((w for w in COLOR_WORDS if not w.isascii()), key=len, reverse=True)))
    prev_end, prev_excluded = -1, False
    chars = "".join(COLOR_CHAR)
    for m in re.finditer(rf"(?<![A-Za-z])(?:{en})(?![A-Za-z])|(?:{zh})色?|[{chars}]色|[{chars}](?=[的款])",
                         blank(text), re.I):
        word = m.group(0).lower().removesuffix("色") or m.group(0)
        color = COLOR_WORDS.get(word) or COLOR_CHAR.get(word) or word
        joined = prev_end >= 0 and re.fullmatch(r"[\s,]*(?:or|and|nor|/|或|和|、|或者)?[\s色的]*",
                                                text[prev_end:m.start()])
        excluded = bool(NEGATION.search(text[max(0, m.start() - 24):m.start()])) or (joined and prev_excluded)
        if excluded:
            out.setdefault("exclude_colors", []).append(color)
        else:
            out["color"] = color
        prev_end, prev_excluded = m.end(), excluded
        spans.append(m.span())
    for pattern, case, explicit in SIZE_PATTERNS:
        m = re.search(pattern, blank(text), 0 if case else re.I)
        if m and (explicit or SIZE_WORDS.get(m.group(1).lower(), norm_size(m.group(1))) in cat.sizes):
            out["size"] = SIZE_WORDS.get(m.group(1).lower(), norm_size(m.group(1)))
            spans.append(m.span())
            break
    rest = blank(text)
    found = [(not strong, m.start(), category) for word, category, strong in cat.category_words
             if (m := find_word(word, rest))]
    if found:  # the first strong word wins
        out["category"] = min(found)[2]
    for brand in cat.brands:
        if m := find_word(brand, rest):
            out["brand"] = brand
            spans.append(m.span())
            break
    for audience, pattern in AUDIENCE.items():
        if m := re.search(pattern, rest, re.I):
            out["audience"] = audience
            spans.append(m.span())
            break
    if m := PERSONS.search(rest):  # "2-person tent", "双人帐篷": at least that many
        word = (m.group(1) or m.group(2)).lower()
        out["persons"] = float(NUMBER_WORDS.get(word) or word)
    needs = [k for k, pattern in NEEDS.items() if re.search(pattern, rest, re.I)]
    needs += [k for k in sorted(cat.bool_attrs) if k not in needs and find_word(k.replace("_", " "), rest)]
    if needs:
        out["needs"] = needs
    for flag, pattern in (("cheaper", CHEAPER), ("pricier", PRICIER), ("others", OTHERS)):
        if m := pattern.search(rest):
            out[flag] = True
            spans.append(m.span())
    out["use"] = " ".join(blank(text).split()).strip(" ,.!?;:，。！？")
    categories = {w.lower() for w, _, _ in cat.category_words}
    out["has_use"] = any(t not in FILLER and t not in categories and not t.isdigit() and len(t) > 1
                         for t in tokenize(out["use"]))
    return out


def clean_state(state) -> dict:
    """The caller sends our state back: keep only known keys with the right types (it is data, not trusted)."""
    out: dict = {}
    for key, kind in STATE_KEYS.items():
        value = state.get(key) if isinstance(state, dict) else None
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = float(value)
        elif kind is list and isinstance(value, list):
            out[key] = [str(v)[:100] for v in value if isinstance(v, (str, int))][-300:]
        elif kind is str and isinstance(value, str) and value:
            out[key] = value[:300]
    return out


def canonical_category(value, cat: Catalog) -> str | None:
    value = str(value or "").strip().lower()
    if value in cat.categories:
        return value
    return next((c for w, c, _ in cat.category_words if value and w.lower() == value), None)


def canonical_color(value, cat: Catalog) -> str | None:
    value = str(value or "").strip().lower()
    if value and value not in cat.colors:  # "gray", "藏青色", "黑色"
        value = COLOR_WORDS.get(value) or COLOR_WORDS.get(value.removesuffix("色")) or COLOR_CHAR.get(value[:1], value)
    return value if value in cat.colors else None


def merge(old: dict, said: dict, hints: dict, cat: Catalog, last_prices: list[float]) -> tuple[dict, bool]:
    """The request after this message, and whether it refines the last one (else it starts fresh)."""
    new_category = canonical_category(hints.get("category"), cat) or said.get("category")
    refine = bool(old) and new_category in (None, old.get("category")) and (
        not said["has_use"] or any(said.get(k) for k in ("cheaper", "pricier", "others"))
        or bool(REFINE.search(said["use"])))
    st = dict(old) if refine else {}
    if not refine:
        st["query"] = said["use"]
    elif said["has_use"]:
        st["query"] = f"{old.get('query', '')} {said['use']}".strip()
    for key in ("category", "brand", "size", "audience", "min_price", "max_price", "persons"):
        if key in said:
            st[key] = said[key]
    if "min_price" in said or "max_price" in said:
        st.pop("below", None)
    st["needs"] = sorted(set(st.get("needs", [])) | set(said.get("needs", [])))
    excluded = set(st.get("exclude_colors", [])) - {said.get("color")} | set(said.get("exclude_colors", []))
    if said.get("color"):
        st["color"] = said["color"]
    # NLU entities override the parse, except where the text says more ("not black" is no request for black,
    # "over $50" is no budget of $50)
    if new_category:
        st["category"] = new_category
    color = canonical_color(hints.get("color"), cat)
    if color and color not in excluded:
        st["color"] = color
    if hints.get("size"):
        st["size"] = SIZE_WORDS.get(str(hints["size"]).strip().lower(), norm_size(hints["size"]))
    brand = next((b for b in cat.brands if b.lower() == str(hints.get("brand") or "").strip().lower()), None)
    if brand:
        st["brand"] = brand
    price = re.search(r"\d[\d,]*(?:\.\d+)?", str(hints.get("price") or ""))
    if price and "max_price" not in said and "min_price" not in said:
        st["max_price"] = float(price.group(0).replace(",", ""))
    if st.get("color") in excluded:
        st.pop("color")
    st["exclude_colors"] = sorted(excluded)
    if said.get("cheaper") and last_prices:  # below the cheapest shown
        st["below"] = min(last_prices)
        st.pop("min_price", None)
    if said.get("pricier") and last_prices:
        st["min_price"] = max(last_prices) + 0.01
        st.pop("max_price", None)
        st.pop("below", None)
    if said.get("others") and refine:
        st["exclude_ids"] = sorted(set(st.get("exclude_ids", [])) | set(old.get("shown", [])))
    st["shown"] = old.get("shown", []) if refine else []
    return {k: v for k, v in st.items() if v not in (None, "") and (v != [] or k == "shown")}, refine


# ---------- filters, ranking, reasons ----------

def hard_filters(st: dict) -> list[tuple[str, Callable[[Product], bool]]]:
    """Every stated constraint, in the order used to tell which one emptied the list."""
    color, size, excluded, audience = st.get("color"), st.get("size"), st.get("exclude_colors", []), st.get("audience")
    return [
        ("category", lambda p: not st.get("category") or p.category == st["category"]),
        ("brand", lambda p: not st.get("brand") or p.brand.lower() == st["brand"].lower()),
        ("audience", lambda p: not audience or (p.audience == "kids") == (audience == "kids")
         and p.audience in ("", audience)),
        ("in_stock", lambda p: p.variant() is not None),
        ("color", lambda p: not color or p.variant(color) is not None),
        ("exclude_color", lambda p: not excluded or p.variant(color, None, excluded) is not None),
        ("size", lambda p: not size or p.variant(color, size, excluded) is not None),
        ("max_price", lambda p: st.get("max_price") is None or p.price is not None and p.price <= st["max_price"]),
        ("min_price", lambda p: st.get("min_price") is None or p.price is not None and p.price >= st["min_price"]),
        ("cheaper", lambda p: st.get("below") is None or p.price is not None and p.price < st["below"]),
        ("shown", lambda p: p.id not in st.get("exclude_ids", [])),
    ]


def needs_ok(p: Product, st: dict, cat: Catalog) -> bool:
    """A yes/no need ("waterproof") fails only where the product's category states it and the product says no;
    "for 2 people" only where the product states how many it fits."""
    persons = p.attrs.get("persons")
    if st.get("persons") and isinstance(persons, (int, float)) and persons < st["persons"]:
        return False
    return all(p.category not in cat.attr_categories[n] or truthy(p.attrs.get(n))
               for n in st.get("needs", []) if n in cat.bool_attrs)


def profile_ok(p: Product, st: dict, profile: dict) -> bool:
    """Saved preferences narrow the list where the shopper did not say otherwise this time."""
    if st.get("max_price") is None and isinstance(profile.get("budget_max"), (int, float)):
        if p.price is None or p.price > profile["budget_max"]:
            return False
    sized = [s for s in p.sizes if s != "ONE SIZE"]
    mine = [norm_size(s) for s in profile.get("sizes", []) if norm_size(s).isdigit() == any(x.isdigit() for x in sized)]
    if not st.get("size") and sized and mine:  # shoe sizes for shoes, letter sizes for clothes
        return any(p.variant(st.get("color"), s, st.get("exclude_colors", [])) for s in mine)
    return True


def profile_fit(p: Product, profile: dict) -> float:
    checks = []
    for key, value in (("categories", p.category), ("brands", p.brand.lower())):
        if profile.get(key):
            checks.append(value in [str(v).lower() for v in profile[key]])
    if profile.get("colors"):
        checks.append(any(p.variant(str(c).lower()) for c in profile["colors"]))
    if profile.get("uses"):
        checks.append(any(str(u).lower() in p.text for u in profile["uses"]))
    return sum(checks) / len(checks) if checks else 0.0


def fact(p: Product, need: str, zh: bool) -> str | None:
    """The product's own attribute that answers a stated need, quoted from its data."""
    v = p.attrs.get(need)
    if v is None or v is False or isinstance(v, str) and not v.strip():
        return None
    if need == "waterproof_rating_mm" and isinstance(v, (int, float)):
        return f"防水指数 {v:,} 毫米" if zh else f"waterproof to {v:,} mm"
    if need == "waterproof" and v is True and "waterproof_rating_mm" not in p.attrs:
        return "防水" if zh else "waterproof"
    templates = {"temp_rating_c": ("温标 {} °C", "rated to {} °C"), "weight_g": ("仅重 {} 克", "weighs {} g"),
                 "capacity_l": ("容量 {} 升", "holds {} L"), "persons": ("可容纳 {} 人", "sleeps {}"),
                 "lumens": ("亮度 {} 流明", "{} lumens bright"), "upf": ("UPF {} 防晒", "UPF {} sun protection"),
                 "material": ("材质为 {}", "made of {}")}
    if need in templates and not isinstance(v, bool):
        return templates[need][0 if zh else 1].format(v)
    if v is True and need not in ("waterproof", "insulated"):
        return None if zh else need.replace("_", " ")
    return ("保温" if zh else "insulated") if need == "insulated" and v is True else None


AUDIENCE_FACT = {"kids": ("儿童款", "made for kids"), "women": ("女款", "cut for women"),
                 "men": ("男款", "cut for men")}


def reason(p: Product, st: dict, lang: str) -> str:
    """One sentence in the shopper's language, made only of this product's data matched to what was asked."""
    zh = lang == "zh"
    facts = []
    if st.get("mode") == "complements":
        facts.append("与您正在看的商品很搭" if zh else "goes well with what you're looking at")
    elif st.get("mode") == "similar":
        facts.append("同类替代款" if zh else "a close alternative")
    if st.get("audience") and p.audience == st["audience"]:
        facts.append(AUDIENCE_FACT[p.audience][0 if zh else 1])
    if st.get("brand"):
        facts.append(f"{p.brand} 品牌" if zh else f"by {p.brand}")
    facts += [f for f in (fact(p, n, zh) for n in st.get("needs", [])) if f][:2]
    if len(facts) == (1 if st.get("mode") in ("similar", "complements") else 0):  # nothing asked-for to quote
        if p.rating:
            facts.append(f"评分 {p.rating:g}/5" if zh else f"rated {p.rating:g}/5")
        elif p.brand:
            facts.append(f"{p.brand} 品牌" if zh else f"by {p.brand}")
    color, size = st.get("color"), st.get("size")
    c, s = p.variant(color, size, st.get("exclude_colors", [])) or ("", "")
    c = (COLOR_ZH.get(c, c) if zh else c) if color or st.get("exclude_colors") else ""  # "not black": say which
    s = s if size else ""
    if zh:
        facts.append(f"{c}{' ' if c and s else ''}{s + ' 码' if s else ''}有货")
    else:
        facts.append("in stock" + (" in " + ", size ".join(x for x in (c, s) if x) if c or s else ""))
    tail = ""
    if p.price is not None and st.get("max_price") is not None:
        price, limit = money(p.price, p.currency, lang), money(st["max_price"], p.currency, lang)
        tail = f"售价 {price}，在您 {limit}的预算内" if zh else f"at {price} within your {limit} budget"
    elif p.price is not None and st.get("below") is not None:
        price = money(p.price, p.currency, lang)
        tail = f"售价 {price}，比刚才推荐的更便宜" if zh else f"at {price}, cheaper than the ones before"
    if zh:
        return "，".join(facts + ([tail] if tail else [])) + "。"
    body = facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " and " + facts[-1]
    sentence = body + (", " + tail if tail else "") + "."
    return sentence[0].upper() + sentence[1:]


class UnknownProduct(ValueError):
    """A product_id that is not in the catalogue."""


class Recommender:
    def __init__(self, index: Index):
        self.index = index
        self._catalog: Catalog | None = None
        self._version = -1

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None or self._version != self.index.version:  # rebuilt after an ingest
            self._catalog, self._version = Catalog(self.index.products), self.index.version
        return self._catalog

    def similar(self, product_id: str, **kwargs) -> dict:
        return self.recommend(mode="similar", product_id=product_id, **kwargs)

    def complements(self, product_id: str, **kwargs) -> dict:
        return self.recommend(mode="complements", product_id=product_id, **kwargs)

    def recommend(self, message: str = "", lang: str | None = None, state: dict | None = None,
                  hints: dict | None = None, profile: dict | None = None, mode: str = "search",
                  product_id: str | None = None, limit: int = 3) -> dict:
        """Suggestions, the state to send back next turn, and why the list is short or empty (see the README)."""
        cat = self.catalog
        message = message or ""
        lang = lang or detect_lang(message or "x")
        old = clean_state(state)
        said = parse(message, cat)
        last = [cat.products[i].price for i in old.get("last", []) if i in cat.products]
        st, refined = merge(old, said, hints or {}, cat, [x for x in last if x is not None])
        profile = profile if isinstance(profile, dict) else {}
        # the product the shopper is looking at: given, named by SKU, or kept from the turn this one refines
        code = next((c.upper() for c in re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+", message)
                     if c.upper() in cat.products), None)
        anchor_id = product_id or code or (old.get("product_id") if refined and mode == "search" else None)
        if anchor_id and anchor_id not in cat.products:
            raise UnknownProduct(anchor_id)
        if anchor_id and mode == "search":  # asking about one product: alternatives to it
            mode = old.get("mode", "similar") if anchor_id == old.get("product_id") else "similar"
        st.update(lang=lang, mode=mode if anchor_id else "search")
        anchor = cat.products.get(anchor_id) if anchor_id else None
        checks = hard_filters(st)
        if anchor is not None:
            st["product_id"] = anchor.id
            if st["mode"] == "similar":
                checks[0] = ("category", lambda p: p.category == anchor.category)
            else:  # complements: other kinds of product; the anchor's size and colour do not carry over
                wanted = [c for c in COMPLEMENTS.get(anchor.category, []) if c in cat.categories] or \
                    [c for c in cat.categories if c != anchor.category]
                checks = [("category", lambda p: p.category in wanted)] + hard_filters(
                    {k: v for k, v in st.items() if k not in ("category", "color", "size")})[1:]
        else:
            st.pop("product_id", None)
        passing = [p for p in cat.products.values() if p is not anchor]
        empty_because = None
        for name, check in checks:
            passing = [p for p in passing if check(p)]
            if not passing:
                empty_because = name
                break
        # Soft preferences filter too. If nothing passes, the fewest are dropped (saved profile first, then the
        # described needs, then "not a kids' product" when nobody asked for kids) and reported.
        soft = [("profile", lambda p: profile_ok(p, st, profile)), ("needs", lambda p: needs_ok(p, st, cat)),
                ("audience", lambda p: p.audience != "kids" or st.get("audience") == "kids")]
        relaxed: list[str] = []
        pool: list[Product] = []
        for n in range(len(soft) + 1 if passing else 0):
            for dropped in combinations([name for name, _ in soft], n):
                pool = [p for p in passing if all(f(p) for name, f in soft if name not in dropped)]
                if pool:
                    relaxed = list(dropped)
                    break
            if pool:
                break
        chosen = self.rank(pool, st, profile, anchor, lang)[:max(1, limit)]
        st["last"] = [p.id for p in chosen]
        st["shown"] = st.get("shown", []) + [i for i in st["last"] if i not in st.get("shown", [])]
        return {
            "items": [self.item(p, st, lang) for p in chosen],
            "state": st,
            "relaxed": relaxed,
            "empty_because": empty_because,
            "message": self.message(empty_because, relaxed, st, lang),
            "anchor": None if anchor is None else {
                "id": anchor.id, "name": anchor.name(lang), "size": st.get("size"), "color": st.get("color"),
                "in_stock": anchor.variant(st.get("color"), st.get("size"), st.get("exclude_colors", [])) is not None},
        }

    def rank(self, pool: list[Product], st: dict, profile: dict, anchor: Product | None, lang: str) -> list[Product]:
        """Hybrid retrieval over the candidates' product chunks, plus profile fit and rating."""
        query = st.get("query", "")
        if anchor is not None:
            query = f"{anchor.name(lang)}. {anchor.data.get('description') or ''}"[:400] + " " + query
        retrieval: dict[str, float] = {}
        if query.strip() and pool:
            # restricted to the candidates' chunks; a very large pool searches everything and keeps what is in it
            only = [p.id for p in pool] if len(pool) <= 2000 else None
            for h in self.index.search(query, min(100, 2 * len(pool)), lang, products=only):
                pid = h.meta.get("product_id")
                retrieval[pid] = max(retrieval.get(pid, 0.0), h.score)
        top = max(retrieval.values(), default=0.0) or 1.0

        def score(p: Product) -> float:
            answers = sum(fact(p, n, False) is not None for n in st.get("needs", []))  # can say why it fits
            return (retrieval.get(p.id, 0.0) / top + 0.3 * profile_fit(p, profile) + 0.2 * p.rating / 5
                    + 0.15 * min(answers, 2))

        ranked = sorted(pool, key=lambda p: (-score(p), p.id))
        if st.get("mode") == "complements":  # the best of each category first
            firsts = list({p.category: p for p in reversed(ranked)}.values())
            firsts.sort(key=ranked.index)
            ranked = firsts + [p for p in ranked if p not in firsts]
        return ranked

    @staticmethod
    def item(p: Product, st: dict, lang: str) -> dict:
        return {"id": p.id, "name": p.name(lang), "price": p.price, "currency": p.currency,
                "url": p.data.get("url") or "", "image": p.data.get("image") or "", "reason": reason(p, st, lang),
                "in_stock": True}

    @staticmethod
    def message(empty_because: str | None, relaxed: list[str], st: dict, lang: str) -> str | None:
        i = 1 if lang == "zh" else 0
        if empty_because:
            color = st.get("color", "")
            return EMPTY_MSG[empty_because][i].format(
                color=color, color_zh=COLOR_ZH.get(color, color), size=st.get("size", ""),
                budget=money(st.get("max_price") or 0, "USD", lang), min=money(st.get("min_price") or 0, "USD", lang))
        return " ".join(RELAXED_MSG[r][i] for r in relaxed) or None
