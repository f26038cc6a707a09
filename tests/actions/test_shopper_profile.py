"""The shopper profile: what one shopping request teaches, what an order history adds, and how it reads back."""

from actions.shopper_profile import describe, learn, learn_from_purchases, mood_trend, sentiment, stated_use


def test_a_request_teaches_sizes_colours_budget_and_use():
    request = {"category": "jackets", "size": "M", "color": "blue", "max_price": 150, "query": "hiking in the rain"}
    profile = learn({}, request, "en", "I love a jacket for hiking in the rain under $150")
    assert profile["categories"] == ["jackets"] and profile["sizes"] == ["M"] and profile["colors"] == ["blue"]
    assert profile["budget_max"] == 150 and profile["uses"] == ["hiking in the rain"] and profile["language"] == "en"
    later = learn(profile, {"category": "footwear", "size": "42", "exclude_colors": ["blue"]}, "en", "ok")
    assert later["categories"] == ["footwear", "jackets"] and later["sizes"] == ["42", "M"]
    assert later["avoid_colors"] == ["blue"] and "blue" not in later.get("colors", [])


def test_the_stated_use_is_kept_as_said():
    assert stated_use("I need a waterproof jacket for hiking in the rain, size M") == "hiking in the rain"
    assert stated_use("boots for my dad under $200") == "dad"
    assert stated_use("适合下雨天徒步的外套") == "下雨天徒步的外套"
    assert stated_use("show me jackets") is None


def test_an_order_history_adds_what_was_bought():
    purchases = [{"product_id": "TP-FTW-001", "category": "footwear", "brand": "Tidepool", "color": "brown",
                  "size": "42"}]
    profile = learn_from_purchases({"sizes": ["M"]}, purchases)
    assert profile["bought"] == ["TP-FTW-001"] and profile["categories"] == ["footwear"]
    assert profile["sizes"] == ["42", "M"]


def test_mood_follows_the_messages():
    assert sentiment("this is terrible, I'm angry") == -1 and sentiment("太好了，谢谢") == 1
    assert mood_trend([-1, -1, 0, 1, 1]) == "improving" and mood_trend([1, 0, -1, -1]) == "worsening"
    assert mood_trend([0]) == "steady"


def test_the_summary_is_in_the_shoppers_language():
    profile = {"sizes": ["M"], "budget_max": 150, "currency": "USD", "colors": ["blue"]}
    assert describe(profile, "en") == "colours blue; size M; budget up to $150.00"
    assert describe(profile, "zh") == "颜色 blue；尺码 M；预算 $150.00 以内"
    assert describe({}, "en") == ""
