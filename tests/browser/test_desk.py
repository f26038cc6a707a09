"""The agent desk and the shopper's web chat side by side in real Chromium (two browser contexts): a Chinese
shopper asks for a person, an agent sees it arrive live, claims it, sends the reply assistant's edited draft, the
bot keeps quiet, the agent hands back, the bot answers again and the shopper rates the conversation."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.test_webchat import BOT, CHROMIUM, CHROMIUM_ARGS, REPLY_TIMEOUT_S, SHOTS, send, settle, wait_online
from scripts.desk_client import PASSWORD, add_agent
from tests.desk.test_handoff import eventually

pytestmark = [pytest.mark.browser, pytest.mark.stack]

QUESTION = "你们的退货政策是什么？"
EDIT = " 如果还有其他问题，请随时告诉我。"


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def desk_rows(stack, sql):
    with sqlite3.connect(stack.env["DESK_DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute(sql).fetchall()


def test_an_agent_takes_over_a_chinese_shoppers_chat_and_hands_it_back(chromium, stack):
    email = add_agent(stack, "Lin")
    errors: list[str] = []
    agent_context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    shopper_context = chromium.new_context(viewport={"width": 420, "height": 860}, locale="zh-CN")
    try:
        desk = agent_context.new_page()
        desk.on("pageerror", lambda error: errors.append(f"desk: {error}"))
        desk.goto(stack.desk_url)
        desk.locator("#login-form [name=email]").fill(email)
        desk.locator("#login-form [name=password]").fill(PASSWORD)
        desk.locator("#login-submit").click()
        expect(desk.locator("#conn-dot")).to_have_attribute("data-state", "online", timeout=15_000)

        chat = shopper_context.new_page()
        chat.on("pageerror", lambda error: errors.append(f"chat: {error}"))
        chat.goto(stack.webchat_url)
        wait_online(chat)
        send(chat, QUESTION)
        send(chat, "我要转人工客服")
        expect(chat.locator("[data-card=handoff_waiting]").last).to_be_visible()
        expect(chat.locator("button.stop-waiting").last).to_be_enabled()

        # The queue updates live: no reload.
        item = desk.locator("li.handoff", has_text=QUESTION)
        expect(item).to_be_visible(timeout=15_000)
        expect(item.locator(".tag.lang")).to_contain_text("中文")
        item.locator("button.claim").click()
        expect(desk.locator("#conv-status")).to_have_attribute("data-status", "active", timeout=15_000)
        expect(desk.locator("#transcript li.entry-user", has_text=QUESTION)).to_be_visible()
        expect(desk.locator("#transcript li.entry-bot").first).to_be_visible()
        expect(desk.locator("#profile")).to_be_visible()
        expect(chat.locator("[data-card=agent_joined]")).to_be_visible(timeout=15_000)
        expect(chat.locator("#agent-banner")).to_contain_text("Lin")

        # The reply assistant drafts from the store's documents; the agent edits before sending.
        desk.locator("#draft-button").click()
        draft = desk.locator("#draft .draft-text")
        expect(draft).not_to_be_empty(timeout=REPLY_TIMEOUT_S * 1000)
        expect(desk.locator("#draft .citations li").first).to_be_visible()
        drafted = draft.inner_text().strip()
        desk.locator("#use-draft").click()
        expect(desk.locator("#reply-text")).to_have_value(drafted)
        desk.locator("#reply-text").press("End")
        desk.locator("#reply-text").type(EDIT)
        desk.locator("#send-reply").click()
        from_agent = chat.locator(".bubble.from-agent").last
        expect(from_agent).to_contain_text(EDIT.strip(), timeout=15_000)
        expect(chat.locator(".agent-name").last).to_have_text("Lin")
        SHOTS.mkdir(parents=True, exist_ok=True)
        desk.screenshot(path=str(SHOTS / "desk-conversation.png"))
        chat.screenshot(path=str(SHOTS / "desk-shopper-view.png"))

        # The shopper writes again: the message reaches the desk, the bot says nothing.
        bot_messages = chat.locator(BOT).count()
        chat.locator("#input").fill("好的，谢谢！")
        chat.locator("#input").press("Enter")
        expect(desk.locator("#transcript li.entry-user", has_text="好的，谢谢！")).to_be_visible(timeout=15_000)
        chat.wait_for_timeout(3000)
        assert chat.locator(BOT).count() == bot_messages

        # Hand back: the bot answers the next message, and the shopper rates the conversation.
        desk.locator("#resolution").select_option("answered")
        desk.locator("#close-button").click()
        expect(chat.locator("[data-card=handoff_ended]")).to_be_visible(timeout=15_000)
        expect(chat.locator("#agent-banner")).to_have_count(0)
        answered = chat.locator(BOT).count()
        send(chat, "运费是多少？")
        assert chat.locator(BOT).count() > answered
        chat.locator("button.rate[data-rating='5']").last.click()
        expect(chat.locator(".rating-thanks").last).to_be_visible()
        settle(chat)
        chat.screenshot(path=str(SHOTS / "desk-shopper-rated.png"))

        latest = ("SELECT status, resolution, rating, first_response_at IS NOT NULL FROM desk_handoffs "
                  "WHERE reason = 'asked' AND language = 'zh' ORDER BY id DESC LIMIT 1")
        # the rating reaches the desk through the event broker
        eventually(lambda: desk_rows(stack, latest) == [("closed", "answered", 5, 1)])
        assert desk_rows(stack, "SELECT outcome FROM desk_drafts ORDER BY id DESC LIMIT 1") == [("edited",)]
    finally:
        agent_context.close()
        shopper_context.close()
    assert not errors, errors
