"""The trained NLU through the real Rasa server's /model/parse: the pretrained encoder reads messages in words and
styles our own examples don't use, and off-topic messages are declined as out_of_scope."""

import pytest

pytestmark = pytest.mark.stack


def parse(stack, text):
    return stack.parse(text)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I need a waterproof jacket under $150 in size M", "product_recommendation"),
        ("walnut standing desk 140cm", "product_recommendation"),
        ("do you guys carry espresso machines", "product_recommendation"),
        ("有卖蓝牙音箱的吗", "product_recommendation"),
        ("does the lantern come with batteries?", "product_question"),
        ("this is ridiculous, where is my stuff", "order_tracking"),
        ("Hey there! Going camping with my kids next month, what tent fits four?", "product_recommendation"),
        ("play some jazz", "out_of_scope"),
        ("how much is my car worth", "out_of_scope"),
        ("感冒了吃什么药好", "out_of_scope"),
        ("are you a real person?", "greeting"),
    ],
)
def test_messages_in_unseen_words_and_styles_find_their_intent(stack, text, intent):
    parsed = parse(stack, text)
    assert parsed["intent"]["name"].split("/")[0] == intent, parsed["intent_ranking"][:3]


def test_intents_come_with_calibrated_probabilities(stack):
    ranking = parse(stack, "where is my order TP10042?")["intent_ranking"]
    assert ranking[0]["name"] == "order_tracking" and ranking[0]["confidence"] > 0.5
    assert sum(r["confidence"] for r in ranking) <= 1.0001  # a probability distribution, not independent scores
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
