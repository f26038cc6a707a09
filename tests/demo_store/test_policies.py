"""The demo store's policy pages (data/store/policies/) quote the numbers store.yml holds, in both languages."""
from __future__ import annotations

import re


from tests.demo_store.demo import (CJK, LANGS, POLICY_NAMES, money, policy)


# ---------------------------------------------------------------------------------------------- policies
def test_policy_files_exist():
    for lang in LANGS:
        for name in POLICY_NAMES + ["faq"]:
            text = policy(lang, name)
            assert text.startswith("# "), (lang, name)
            assert "|---" in text or name == "faq" or "| ---" in text, (lang, name)
            if lang == "zh":
                assert len(CJK.findall(text)) > 300, name


def test_policy_lengths():
    for name in POLICY_NAMES:
        words = len(policy("en", name).split())
        assert 400 <= words <= 1200, (name, words)


def test_faq_count():
    for lang in LANGS:
        questions = [ln for ln in policy(lang, "faq").splitlines()
                     if ln.startswith("### ") and ln.rstrip().endswith(("?", "？"))]
        assert len(questions) >= 15, lang


def test_return_policy_numbers(store):
    r = store["returns"]
    en, zh = policy("en", "returns"), policy("zh", "returns")
    assert f"{r['window_days']} days from the day your order is delivered" in en
    assert f"{r['window_days']} 天" in zh and "签收" in zh
    lo, hi = r["refund_days"]["min"], r["refund_days"]["max"]
    assert f"{lo}–{hi} business days" in en
    assert f"{lo}–{hi} 个工作日" in zh
    # the return pages and the FAQ mention no other return window
    for lang in LANGS:
        for name in ["returns", "faq"]:
            text = policy(lang, name)
            other = re.findall(r"(\d+) days? (?:from|of|after) (?:the day your order is )?deliver|签收(?:之日起|后) ?(\d+) 天内", text)
            other = [int(a or b) for a, b in other]
            assert other, (lang, name)
            assert all(n == r["window_days"] for n in other), (lang, name, other)


def test_shipping_policy_numbers(store):
    s = store["shipping"]
    en, zh = policy("en", "shipping"), policy("zh", "shipping")
    thr = money(s["free_threshold"])
    assert f"${thr}" in en and f"{thr} 美元" in zh
    for m in s["methods"]:
        price = money(m["price"])
        assert f"${price}" in en and f"{price} 美元" in zh, m["id"]
        assert m["name"] in en and m["name_zh"] in zh, m["id"]
        bd = m["business_days"]
        days_en = f"{bd['min']}–{bd['max']} business days" if bd["min"] != bd["max"] else f"{bd['min']} business day"
        days_zh = f"{bd['min']}–{bd['max']} 个工作日" if bd["min"] != bd["max"] else f"{bd['min']} 个工作日"
        assert days_en in en and days_zh in zh, m["id"]
        if "free_over" in m:
            assert f"${money(m['free_over'])}" in en and f"{money(m['free_over'])} 美元免运费" in zh
    assert "1:00 pm" in en and "13:00" in zh
    hours = store["orders"]["pending_payment_timeout_hours"]
    assert f"{hours} hours" in en and f"{hours} 小时" in zh
    # the FAQ quotes the same prices
    for lang, fmt in (("en", "${}"), ("zh", "{} 美元")):
        faq = policy(lang, "faq")
        assert fmt.format(thr) in faq
        for m in s["methods"]:
            assert fmt.format(money(m["price"])) in faq, (lang, m["id"])


def test_payment_policy(store):
    en, zh = policy("en", "payment"), policy("zh", "payment")
    for m in store["payment"]["methods"]:
        assert m["name"].split()[0] in en, m["id"]
        assert m["name_zh"].split()[0] in zh, m["id"]
    assert store["payment"]["instalments"] is False
    assert "don't offer instalment" in en and "花呗分期" in en
    assert "不提供任何形式的分期付款" in zh and "花呗分期" in zh
    for amount in store["payment"]["gift_cards"]["amounts"]:
        assert f"${amount}" in en and str(amount) in zh
    days = store["promotions"]["price_adjustment_days"]
    assert f"{days} days" in en and f"{days} 天" in zh


def test_warranty_and_membership_numbers(store):
    w = store["warranty"]
    for lang, unit in (("en", " year"), ("zh", " 年")):
        text = policy(lang, "warranty")
        assert f"{w['house_brand_years']}{unit}" in text
        assert f"{w['other_brands_years']}{unit}" in text
    assert f"${w['paid_repairs_from']}" in policy("en", "warranty")
    m = store["membership"]
    gold = m["tiers"]["gold"]
    en, zh = policy("en", "membership"), policy("zh", "membership")
    assert f"${gold['qualify_spend_usd']}" in en and f"{gold['qualify_spend_usd']} 美元" in zh
    assert f"{m['points_value']['points']} points = ${m['points_value']['usd']}" in en
    assert f"{m['points_value']['points']} 积分 = {m['points_value']['usd']} 美元" in zh
    assert f"{m['points_expire_months']} months" in en and f"{m['points_expire_months']} 个月" in zh
    days = store["privacy"]["chat_log_retention_days"]
    assert f"{days} days" in policy("en", "privacy") and f"{days} 天" in policy("zh", "privacy")


def test_contact_details_in_policies(store):
    c = store["contact"]
    for lang in LANGS:
        for name in ["shipping", "returns", "payment", "warranty", "membership", "faq"]:
            text = policy(lang, name)
            assert c["email"] in text, (lang, name)
            assert c["phone_display"] in text, (lang, name)
