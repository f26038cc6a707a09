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
                "没有符合您保存偏好的商品，已暂时忽略偏好。"),
    "needs": ("Nothing matched everything you described, so these meet the rest.",
              "没有完全符合您描述的商品，以下商品符合其他条件。"),
    "audience": ("Only kids' products match, so these are for kids.", "只有儿童款符合条件，以下为儿童款。")}
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
