"""Money in the shopper's terms and honest refinement, in the web chat in Chromium: a yuan budget converted and
stated, prices in the store's currency, a follow-up that empties the list names the constraint and lets the shopper
drop it, and "Ask about this" shows the shopper's own words (no SKU) in their bubble."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_webchat import BOT, SHOTS, USER_BUBBLES, browser, new_page, send, settle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def test_a_yuan_budget_is_converted_and_said_and_prices_stay_in_the_stores_currency(new_page):  # noqa: F811
    page = new_page(viewport={"width": 420, "height": 860})
    send(page, "推荐一个1000元以内的背包")
    expect(page.locator(BOT).filter(has_text="1000元约合 138 美元")).to_have_count(1)
    prices = page.locator(".products-card .price")
    expect(prices.first).to_be_visible()
    assert all(text.endswith("美元") for text in prices.all_inner_texts()), prices.all_inner_texts()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "money-yuan-budget-zh.png"))


def test_a_follow_up_that_empties_the_list_names_the_constraint_and_the_shopper_chooses(new_page):  # noqa: F811
    page = new_page()
    send(page, "Can you recommend a waterproof jacket in size M?")
    expect(page.locator(".products-card").last).to_be_visible()
    send(page, "anything cheaper?")
    expect(page.locator(BOT).last).to_contain_text("Nothing waterproof")
    offer = page.locator(".quick-replies").last.locator("button.quick-reply", has_text="Include non-waterproof ones")
    expect(offer).to_be_visible()
    page.screenshot(path=str(SHOTS / "refinement-named-constraint.png"))
    cards_before = page.locator(".products-card").count()
    offer.click()
    expect(page.locator(USER_BUBBLES).last).to_have_text("Include non-waterproof ones")
    expect(page.locator(".products-card")).to_have_count(cards_before + 1, timeout=60_000)
    settle(page)


def test_ask_about_this_puts_the_shoppers_words_not_the_sku_in_their_bubble(new_page):  # noqa: F811
    page = new_page()
    send(page, "recommend a tent")
    card = page.locator(".products-card .product").first
    name = card.locator(".product-name").inner_text()
    card.locator("button.ask").click()
    expect(page.locator(USER_BUBBLES).last).to_have_text(f"Tell me more about {name}")
    settle(page)
