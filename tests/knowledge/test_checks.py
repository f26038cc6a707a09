"""The answer checks: unsupported numbers, payment methods and yes/no claims are caught."""
from knowledge.checks import check, strip_citations

SOURCES = ["Refunds are issued to the original payment method within 5 business days after we receive your return.",
           "我们接受 Visa、Mastercard、PayPal、支付宝和微信支付。我们不支持花呗分期。"]


def test_supported_answer_passes():
    verdict = check("Refunds take 5 business days [1].", SOURCES, "How long do refunds take?")
    assert verdict.supported and verdict.groundedness >= 0.9


def test_invented_number_fails():
    assert not check("Refunds take 10 business days [1].", SOURCES).supported


def test_invented_payment_method_fails():
    assert not check("Yes, we accept Apple Pay [2].", SOURCES).supported


def test_affirmative_answer_against_negated_source_fails():
    assert not check("可以，您可以使用花呗分期付款 [2]。", SOURCES, "能用花呗分期吗？").supported
    assert check("不可以，我们不支持花呗分期 [2]。", SOURCES, "能用花呗分期吗？").supported


def test_off_topic_answer_fails():
    assert not check("Our founder loves mountain biking in the Alps.", SOURCES).supported


def test_citations_are_stripped():
    assert strip_citations("Refunds take 5 days [1][2]. 支持 【2】") == "Refunds take 5 days. 支持"


def test_compress_keeps_title_and_relevant_lines():
    from knowledge.answer import compress

    text = ("Shipping Policy > Methods\nOur parcels are packed by hand in Portland by people who love the outdoors and "
            "care a lot.\n| Method | Price |\n|---|---|\n| Standard | $5.95 |\n| Express | $14.95 |\n"
            "Next Day is not available to PO boxes, Alaska, Hawaii or US territories, sadly, for carrier reasons.\n"
            "Tracking numbers arrive by email as soon as the carrier scans the parcel at our warehouse door.")
    short = compress(text, "How much is Express shipping?", budget=120)
    assert short.startswith("Shipping Policy > Methods")
    assert "| Express | $14.95 |" in short and "| Method | Price |" in short
    assert "Tracking numbers" not in short


def test_a_yes_or_no_about_something_no_document_mentions_is_unsupported():
    documents = "we ship with dhl to canada.\nwe do not accept cheques or cryptocurrency.\n礼品卡不可退款。"
    assert not check("No, we don't sell kayaks.", ["We ship with DHL."], "Do you sell kayaks?", documents).supported
    assert check("No, we do not accept cryptocurrency [1].", ["We do not accept cheques or cryptocurrency."],
                 "Do you accept cryptocurrency?", documents).supported
    assert not check("是的，可以。", ["礼品卡不可退款。"], "可以用花呗吗？", documents).supported
    assert check("不可以，礼品卡不可退款。", ["礼品卡不可退款。"], "礼品卡可以退款吗？", documents).supported
