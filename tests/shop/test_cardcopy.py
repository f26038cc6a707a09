"""The card-copy templates and fact check (shop/cardcopy): every line a template writes is backed by the data, and
made-up facts are caught."""

import pytest

from shop.cardcopy import VARIANTS, check_copy, template_line
from tests.card_copy_data import CAMP, CAMP_ZH, CATALOG, card, facts


def test_every_template_line_passes_the_check_for_the_whole_catalogue():
    for pid in CATALOG:
        for lang, promotion in (("en", None), ("en", CAMP), ("zh", None), ("zh", CAMP_ZH)):
            item = card(pid, lang, promotion)
            item_facts = facts(item)
            for variant in VARIANTS:
                line = template_line(variant, item_facts, lang, {"uses": ["rain", "warm", "light"]})
                assert line, (pid, variant, lang)
                verdict = check_copy(line, item_facts)
                assert verdict.ok, (pid, variant, lang, line, verdict.problems)


@pytest.mark.parametrize(
    "line, problem",
    [
        ("Just $99.00.", "price"),  # a made-up price
        ("仅售 $99.00。", "price"),
        ("Yours for 99 dollars.", "price"),
        ("Rated 4.9★ by shoppers.", "rating"),
        ("买家评分 4.9★。", "rating"),
        ("Waterproof to 30,000 mm.", "number 30000"),
        ("20% off this week.", "20%"),
        ("Save with code SPRING20.", "code SPRING20"),
        ("Soft merino wool shell.", "material 'merino'"),
        ("美利奴羊毛面料。", "material 美利奴"),
        ("Our best-selling rain jacket.", "claim"),
        ("免运费，今天下单。", "claim"),
        ("Free shipping on this jacket.", "claim"),
    ],
)
def test_made_up_facts_fail_the_check(line, problem):
    verdict = check_copy(line, facts(card("TP-JKT-001")))
    assert not verdict.ok and any(problem in p for p in verdict.problems), verdict.problems


def test_claims_the_data_does_not_back_fail():
    pant = facts(card("TP-PNT-009"))  # kids' zip-off pant: not waterproof, no promotion
    assert not check_copy("Waterproof and ready for puddles.", pant).ok
    assert not check_copy("Big discount today.", pant).ok
    tent = facts(card("TP-TNT-002"))  # a two-person tent
    assert not check_copy("三人帐篷，空间宽敞。", tent).ok
    assert not check_copy("A roomy 3-person tent.", tent).ok
    assert check_copy("两人帐篷，适合 2 人。", tent).ok
    assert check_copy("Sleeps two, 2-person tent.", tent).ok


def test_lines_that_stick_to_the_data_pass():
    jacket = facts(card("TP-JKT-001", promotion={"code": None, "title": "Rain Ready Sale",
                                                    "summary": "20% off; on jackets; no code needed"}))
    for line in (
        "Waterproof to 20,000 mm with fully taped seams, and it packs into its own chest pocket.",
        "Rated 4.7 stars; 2.5-layer recycled nylon at $149.00.",
        "Rain Ready Sale: 20% off, no code needed.",
        "防水指数 20,000 毫米，M 码重 340 克，采用再生尼龙面料。",
    ):
        assert check_copy(line, jacket).ok, (line, check_copy(line, jacket).problems)

