"""What the shopper reads: one sentence per pick made only of that product's own data matched to the request,
and the note on why a list is empty or which preferences were set aside."""
from __future__ import annotations

from shop.money import format_price

from .catalog import Product
from .vocabulary import COLOR_ZH

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
                "没有符合您保存偏好的商品，已暂时忽略偏好。")}
NEED_ZH = {"waterproof": "防水", "insulated": "保温", "windproof": "防风", "breathable": "透气", "packable": "可收纳",
           "final_sale": "清仓"}
AUDIENCE_WORDS = {"kids": ("for kids", "儿童款"), "women": ("for women", "女款"), "men": ("for men", "男款")}
# The buttons that set one constraint aside: (English, Chinese); {word} is the need, {colors} the excluded colours.
OFFER_TITLES = {
    "need": ("Include non-{word} ones", "也看非{word}款"), "color": ("Any colour", "不限颜色"),
    "exclude_color": ("Include {colors} too", "也看{colors}"), "size": ("Any size", "不限尺码"),
    "max_price": ("Any price", "不限价格"), "min_price": ("Any price", "不限价格"),
    "cheaper": ("Any price", "不限价格"),
    "brand": ("Any brand", "不限品牌"), "audience": ("Not only {audience}", "不限{audience}"),
    "persons": ("Fewer people is fine", "不限人数"), "adults": ("Show kids' ones", "看看儿童款")}
AUDIENCE_FACT = {"kids": ("儿童款", "made for kids"), "women": ("女款", "cut for women"),
                 "men": ("男款", "cut for men")}


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
        price, limit = format_price(p.price, p.currency, lang), format_price(st["max_price"], p.currency, lang)
        tail = f"售价 {price}，在您 {limit}的预算内" if zh else f"at {price} within your {limit} budget"
    elif p.price is not None and st.get("below") is not None:
        price = format_price(p.price, p.currency, lang)
        tail = f"售价 {price}，比刚才推荐的更便宜" if zh else f"at {price}, cheaper than the ones before"
    if zh:
        return "，".join(facts + ([tail] if tail else [])) + "。"
    body = facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " and " + facts[-1]
    sentence = body + (", " + tail if tail else "") + "."
    return sentence[0].upper() + sentence[1:]


def list_message(empty_because: str | None, relaxed: list[str], st: dict, lang: str, currency: str) -> str | None:
    """Why the list is empty (the hard filter that emptied it) or which soft preferences were set aside, or None."""
    i = 1 if lang == "zh" else 0
    if empty_because:
        color = st.get("color", "")
        return EMPTY_MSG[empty_because][i].format(
            color=color, color_zh=COLOR_ZH.get(color, color), size=st.get("size", ""),
            budget=format_price(st.get("max_price") or 0, currency, lang),
            min=format_price(st.get("min_price") or 0, currency, lang))
    return " ".join(RELAXED_MSG[r][i] for r in relaxed) or None


def need_word(name: str, zh: bool) -> str:
    """"need:waterproof" -> "waterproof" / "防水"."""
    need = name.split(":", 1)[1]
    return NEED_ZH.get(need, need.replace("_", " ")) if zh else need.replace("_", " ")


def constraint_phrase(name: str, st: dict, lang: str, currency: str) -> str:
    """One constraint as the reply names it: "in size M", "under $80" / "M 码", "80 美元以内"."""
    zh = lang == "zh"
    money = lambda v: format_price(v or 0, currency, lang)  # noqa: E731
    color, colors = st.get("color", ""), st.get("exclude_colors", [])
    audience = AUDIENCE_WORDS.get(st.get("audience", ""), ("", ""))
    phrases = {
        "brand": (f"by {st.get('brand')}", f"{st.get('brand')} 品牌"), "audience": audience,
        "color": (f"in {color}", COLOR_ZH.get(color, color)),
        "exclude_color": ("in a colour other than " + " or ".join(colors),
                          "非" + "、".join(COLOR_ZH.get(c, c) for c in colors)),
        "size": (f"in size {st.get('size')}", f"{st.get('size')} 码"),
        "max_price": (f"under {money(st.get('max_price'))}", f"{money(st.get('max_price'))}以内"),
        "min_price": (f"from {money(st.get('min_price'))}", f"{money(st.get('min_price'))}以上"),
        "cheaper": (f"cheaper than {money(st.get('below'))}", f"比 {money(st.get('below'))} 便宜"),
        "persons": (f"for {st.get('persons', 0):g} people", f"{st.get('persons', 0):g} 人"),
        "adults": ("for adults", "成人款")}
    if name.startswith("need:"):
        return need_word(name, zh)
    return phrases[name][1 if zh else 0] if name in phrases else name


def nothing_fits(names: list[str], st: dict, lang: str, currency: str) -> str:
    """The reply when only setting a constraint aside brings products back, naming those constraints:
    "Nothing waterproof in size M cheaper than $129." / "没有 M 码、比 129 美元便宜的防水款。"."""
    needs = [constraint_phrase(n, st, lang, currency) for n in names if n.startswith("need:")]
    rest = [constraint_phrase(n, st, lang, currency) for n in names if not n.startswith("need:")]
    if lang == "zh":
        return f"没有{'、'.join(rest)}{'的' if rest else ''}{'、'.join(needs)}款。" if needs else \
            f"没有{'、'.join(rest)}的商品。"
    return f"Nothing {' '.join([' and '.join(needs)] + rest).strip()} matches."


def offers(names: list[str], st: dict, lang: str) -> list[dict]:
    """One button per constraint that could be set aside: {"drop": name, "title": in the shopper's language}."""
    zh = lang == "zh"
    colors = st.get("exclude_colors", [])
    audience = AUDIENCE_WORDS.get(st.get("audience", ""), ("", ""))[1 if zh else 0]
    out = []
    for name in names:
        key = "need" if name.startswith("need:") else name
        if key not in OFFER_TITLES:
            continue
        title = OFFER_TITLES[key][1 if zh else 0].format(
            word=need_word(name, zh) if key == "need" else "", audience=audience,
            colors=("、" if zh else " or ").join(COLOR_ZH.get(c, c) if zh else c for c in colors))
        out.append({"drop": name, "title": title})
    return out
