"""What the extractive and prepared answers may quote: whole sentences, list items and table rows, no markdown."""
from knowledge.passages import passages, plain, sentences

CHUNK = """Shipping Policy > Shipping methods and prices
| Method | Price | Delivery time |
|---|---|---|
| Standard | $5.95, **free on orders of $75 or more** | 3–6 business days |
| Express | $14.95 | 2–3 business days |

The free-shipping thresholds are based on your merchandise subtotal, e.g. after any
discount codes. See [our FAQ](faq.md) for more.
- Next Day is **not** available to PO boxes.
"""


def test_table_rows_keep_their_column_names():
    texts = [p.text for p in passages("doc:en/shipping.md:2", CHUNK)]
    assert texts[0] == "Standard (Price: $5.95, free on orders of $75 or more; Delivery time: 3–6 business days)"
    assert texts[1] == "Express (Price: $14.95; Delivery time: 2–3 business days)"


def test_wrapped_sentences_are_whole_and_abbreviations_do_not_split():
    texts = [p.text for p in passages("c", CHUNK)]
    assert ("The free-shipping thresholds are based on your merchandise subtotal, e.g. after any discount codes."
            in texts)
    assert "See our FAQ for more." in texts  # the link's text, not its markdown
    assert "Next Day is not available to PO boxes." in texts
    assert all("**" not in t and "|" not in t for t in texts)


def test_every_passage_knows_its_heading_and_position():
    found = passages("doc:x:0", CHUNK)
    assert {p.heading for p in found} == {"Shipping Policy > Shipping methods and prices"}
    assert [p.position for p in found] == list(range(len(found)))


def test_chinese_sentences_and_rows():
    chunk = ("配送政策 > 运费\n| 方式 | 运费 |\n|---|---|\n| 标准配送 | 5.95 美元 |\n\n"
             "满 75 美元免运费。国际配送满\n200 美元免运费。")
    texts = [p.text for p in passages("c", chunk)]
    assert texts == ["标准配送（运费：5.95 美元）", "满 75 美元免运费。", "国际配送满200 美元免运费。"]


def test_plain_and_sentences():
    assert plain("**Final sale** items [can't](x.md) be `returned`") == "Final sale items can't be returned"
    assert sentences("Returns are free. Refunds take 5–10 days! Why? No.") == [
        "Returns are free.", "Refunds take 5–10 days!", "Why?", "No."]
