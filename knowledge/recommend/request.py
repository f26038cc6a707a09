"""Reading the shopper's message into a request (budget, colour, size, category, brand, audience, needs and the
free text left for retrieval), and merging it with the previous turn's state when it is a follow-up."""
from __future__ import annotations

import math
import re

from shop.currency import Currencies
from shop.money import format_price
from shop.numerals import CN_NUMERAL, cn_number

from ..text import tokenize
from .catalog import Catalog, norm_size
from .vocabulary import (AUDIENCE, BUDGET, CHEAPER, COLOR_CHAR, COLOR_WORDS, FILLER, NEEDS,
                         NEGATION, NUMBER_WORDS, OTHERS, PERSONS, PRICIER, REFINE, SIZE_PATTERNS, SIZE_WORDS)

STATE_KEYS = {"lang": str, "mode": str, "product_id": str, "query": str, "category": str, "brand": str, "color": str,
              "size": str, "audience": str, "max_price": float, "min_price": float, "below": float, "persons": float,
              "exclude_colors": list, "needs": list, "exclude_ids": list, "shown": list, "last": list,
              "set_aside": list, "drop": list}


def _arabic(numeral: str) -> str:
    """'两百' -> '200' for the budget patterns; text that is no numeral stays as it is."""
    value = cn_number(numeral)
    return numeral if value is None else str(value)


def find_word(word: str, text: str) -> re.Match | None:
    """English words whole (plural allowed); Chinese anywhere."""
    if re.search(r"[\u4e00-\u9fff]", word):
        return re.search(re.escape(word), text)
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?:e?s)?(?![A-Za-z0-9])", text, re.I)


def read_money(text: str, money: Currencies) -> tuple[str, dict]:
    """Amounts said in a currency become amounts in the store's, in the form the budget patterns read ("500元" ->
    "69.00 dollars", "€80" -> "$84.00"); one the store does not convert is blanked, never guessed. Also returns
    what was converted (`converted`) and what could not be (`unknown_currency`)."""
    out: dict = {}
    for m in reversed(money.find(text)):
        if m.code is None:
            out["unknown_currency"] = {"said": m.said, "named": m.named}
            value = " " * (m.end - m.start)
        else:
            amount = money.convert(m.amount, m.code)
            value = f"${amount:.2f}" if m.symbol else f"{amount:.2f}" + (" dollars" if m.last else "")
            out.setdefault("amount", amount)  # the last one said: a budget when no phrase says otherwise
            if m.code != money.store:
                seen = out.setdefault("converted", {"said": m.said, "currency": m.code, "amounts": [], "values": []})
                if seen["said"] == m.said:
                    seen["amounts"].insert(0, m.amount)
                    seen["values"].insert(0, amount)
        text = text[:m.start] + value + text[m.end:]
    return text, out


def conversion(said: dict, money: Currencies, lang: str) -> dict | None:
    """What the reply says it converted ("500元 ≈ $69"), when this message's budget was in another currency."""
    seen = said.get("converted")
    if not seen or "max_price" not in said and "min_price" not in said:
        return None
    shown = "–".join(format_price(v, money.store, lang) for v in seen["values"])
    return {"said": seen["said"], "currency": seen["currency"], "amounts": seen["amounts"],
            "converted": seen["values"], "store_currency": money.store, "text": shown,
            "rates_set_on": money.rates_set_on}


def parse(message: str, cat: Catalog, money: Currencies | None = None) -> dict:
    """What one message asks for; absent keys were not said. `use` is the free text left for semantic search."""
    text = message.replace("，", ", ").replace("＄", "$")
    text, out = read_money(text, money or Currencies(store=cat.currency))
    text = re.sub(rf"({CN_NUMERAL})(?=\s*(?:块|元|美元|刀|美金|以内|以下|之内|左右|以上))",
                  lambda m: _arabic(m.group(1)), text)
    text = re.sub(rf"(预算|不超过|不到|低于|少于|最多|最高)(\s*(?:是|在|为|大概|大约)?\s*)({CN_NUMERAL})",
                  lambda m: m.group(1) + m.group(2) + _arabic(m.group(3)), text)
    spans: list[tuple[int, int]] = []

    def blank(t: str) -> str:  # later stages must not re-read what an earlier one took ("$100 tops")
        taken = bytearray(len(t))  # marks each taken character once: linear, however many spans were taken
        for a, b in spans:
            taken[a:b] = b"\x01" * len(taken[a:b])
        return "".join(" " if taken[i] else ch for i, ch in enumerate(t))

    for pattern, kind in BUDGET:
        m = re.search(pattern, text, re.I)
        if m:
            nums = [float(g.replace(",", "")) for g in m.groups() if g]
            if not all(map(math.isfinite, nums)):  # hundreds of digits read as infinity: no budget at all
                continue
            if kind == "range":
                out["min_price"], out["max_price"] = min(nums), max(nums)
            else:
                out["max_price" if kind == "max" else "min_price"] = nums[0]
            spans.append(m.span())
            break
    amount = out.pop("amount", None)
    if amount is not None and "max_price" not in out and "min_price" not in out:  # "500元的背包", "500 RMB"
        out["max_price"] = amount
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
    out["has_use"] = any(t not in FILLER and t not in categories and not re.fullmatch(r"[\d.,]+", t) and len(t) > 1
                         for t in tokenize(out["use"]))
    return out


def clean_state(state) -> dict:
    """The caller sends our state back: keep only known keys with the right types (it is data, not trusted)."""
    out: dict = {}
    for key, kind in STATE_KEYS.items():
        value = state.get(key) if isinstance(state, dict) else None
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value) if isinstance(value, float) or abs(value) < 10**300 else math.inf
            if math.isfinite(number):  # JSON's 1e999 reads as infinity: no price compares with it or shows it
                out[key] = number
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


# What setting a constraint aside removes from the state (filters.py names the constraints).
DROPS = {"color": "color", "exclude_color": "exclude_colors", "size": "size", "brand": "brand",
         "audience": "audience", "max_price": "max_price", "min_price": "min_price", "cheaper": "below",
         "persons": "persons"}


def set_aside(st: dict, names: list[str], cat: Catalog) -> dict:
    """The state without the constraints the shopper chose to drop ("need:waterproof", "size", "adults", ...);
    names it does not know are ignored."""
    st = dict(st)
    for name in names:
        if name.startswith("need:") and name[5:] in cat.bool_attrs:
            st["needs"] = [n for n in st.get("needs", []) if n != name[5:]]
        elif name == "adults":  # the default "not a kids' product"
            st["set_aside"] = sorted(set(st.get("set_aside", [])) | {"adults"})
        elif name in DROPS:
            st.pop(DROPS[name], None)
    return st


def hinted_price(hint, money: Currencies | None) -> float | None:
    """The NLU's price entity as a budget in the store's currency ("500元" converted; a currency the store does not
    convert gives none)."""
    text = str(hint or "")
    mentions = money.find(text) if money else []
    if mentions:
        return None if mentions[-1].code is None else money.convert(mentions[-1].amount, mentions[-1].code)
    price = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    value = float(price.group(0).replace(",", "")) if price else None
    return value if value is not None and math.isfinite(value) else None  # 400 nines read as infinity


def merge(old: dict, said: dict, hints: dict, cat: Catalog, last_prices: list[float],
          money: Currencies | None = None) -> tuple[dict, bool]:
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
    price = hinted_price(hints.get("price"), money)
    if price is not None and not {"max_price", "min_price", "unknown_currency"} & set(said):
        st["max_price"] = price
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
