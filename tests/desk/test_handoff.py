"""Live handoff through the real servers: Rasa pauses, the desk queues, agents claim, reply, hand back; the
transcript in Rasa's tracker holds shopper, bot and agent. (The same flow in Chromium: tests/browser/test_desk.py.)"""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from aiohttp import web

from desk import agent_api
from tests.conftest import demo_orders
from scripts.desk_client import DeskAgent, add_agent

pytestmark = pytest.mark.stack


def tracker(stack, sender) -> dict:
    return stack.tracker(sender)


def agent_events(stack, sender) -> list[dict]:
    return [e for e in tracker(stack, sender)["events"]
            if e["event"] == "bot" and ((e.get("data") or {}).get("custom") or {}).get("type") == "agent_message"]


def eventually(check, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition never held")


@pytest.fixture
def lin(stack) -> DeskAgent:
    return DeskAgent(stack, add_agent(stack, "Lin"))


def test_a_handoff_pauses_the_bot_and_one_transcript_holds_shopper_bot_and_agent(stack, sender, lin):
    order = next(o for o in demo_orders() if o["status"] == "shipped")
    stack.say(sender, f"where is my order {order['id']}?")
    assert stack.say(sender, order["email"]).custom("order")["order_id"] == order["id"]
    slots_before = {k: v for k, v in tracker(stack, sender)["slots"].items() if k in ("order_id", "email", "language")}
    with lin.online():
        waiting = stack.say(sender, "I'd like to talk to a person please").custom("handoff_waiting")
        assert waiting["position"] == 1 and waiting["language"] == "en"
        handoff = lin.waiting_for(sender)
        assert (handoff["reason"], handoff["channel"], handoff["language"]) == ("asked", "rest", "en")
        assert handoff["summary"]["order_ids"] == [order["id"]] and "order_tracking" in handoff["summary"]["intents"]
        assert lin.post(f"/api/handoffs/{handoff['id']}/claim").json()["agent"]["name"] == "Lin"

        # The bot says nothing while Lin owns the conversation, but the message is recorded.
        assert stack.say(sender, "hello? is anyone there?").messages == []
        assert stack.say(sender, "what is your return policy?").messages == []
        lin.post(f"/api/handoffs/{handoff['id']}/messages", {"text": "Hi, I'm Lin. Let me look at your order."}
                 ).raise_for_status()
        lin.post(f"/api/handoffs/{handoff['id']}/notes", {"text": "VIP, be quick"}).raise_for_status()
        [said] = agent_events(stack, sender)
        assert said["text"] == "Hi, I'm Lin. Let me look at your order." and said["data"]["custom"]["agent"] == "Lin"
        view = lin.get(f"/api/conversations/{sender}").json()
        kinds = [(e["kind"], e["text"]) for e in view["transcript"]]
        assert ("user", "hello? is anyone there?") in kinds and ("agent", said["text"]) in kinds
        assert ("note", "VIP, be quick") in kinds
        assert "VIP, be quick" not in str(tracker(stack, sender)["events"])  # the shopper never sees a note
        assert view["verified_email"] == order["email"]
        assert order["id"] in [o["order_id"] for o in view["orders"]]

        closed = lin.post(f"/api/handoffs/{handoff['id']}/close", {"resolution": "answered"}).json()
        assert closed["status"] == "closed"
    ended = [e for e in tracker(stack, sender)["events"] if e["event"] == "bot"][-1]
    assert ended["data"]["custom"] == {"type": "handoff_ended", "agent": "Lin", "ask_rating": True, "language": "en"}
    # The bot is back, with the conversation's slots as they were.
    assert stack.say(sender, "thanks! what is your return policy?").texts
    assert {k: tracker(stack, sender)["slots"][k] for k in slots_before} == slots_before
    assert "Thank" in stack.say(sender, '/rate_conversation{"rating": 4}').text
    eventually(lambda: next((h for h in lin.get("/api/inbox").json()["closed"]
                             if h["id"] == handoff["id"] and h["rating"] == 4), None))


def test_two_agents_claiming_at_once_exactly_one_wins(stack, sender, lin):
    max_ = DeskAgent(stack, add_agent(stack, "Max"))
    with lin.online(), max_.online():
        stack.say(sender, "转人工")
        handoff = lin.waiting_for(sender)
        results: list[requests.Response] = []
        barrier = threading.Barrier(2)

        def claim(agent):
            barrier.wait()
            results.append(agent.post(f"/api/handoffs/{handoff['id']}/claim"))

        threads = [threading.Thread(target=claim, args=(a,)) for a in (lin, max_)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(r.status_code for r in results) == [200, 409]
        lost = next(r for r in results if r.status_code == 409).json()
        won = next(r for r in results if r.status_code == 200).json()
        assert lost == {"error": "already taken", "agent": won["agent"]["name"]}
        owner = lin if won["agent"]["name"] == "Lin" else max_
        owner.post(f"/api/handoffs/{handoff['id']}/close", {"resolution": "other"}).raise_for_status()


def test_a_shopper_can_stop_waiting_and_the_bot_answers_again(stack, sender, lin):
    with lin.online():
        stack.say(sender, "can I speak to a human")
        handoff = lin.waiting_for(sender)
        assert stack.say(sender, "/handoff_cancel").messages == []  # the desk acts on it
        eventually(lambda: all(h["id"] != handoff["id"] for h in lin.get("/api/inbox").json()["waiting"]))
        back = eventually(lambda: [e for e in tracker(stack, sender)["events"] if e["event"] == "resume"])
        assert back
        assert stack.say(sender, "what is your return policy?").texts


def test_with_nobody_online_the_shopper_is_told_honestly_gets_a_ticket_and_keeps_the_bot(stack, sender):
    reply = stack.say(sender, "我要人工客服")
    unavailable = reply.custom("handoff_unavailable")
    assert unavailable["why"] == "no_agent" and re.fullmatch(r"H[0-9A-F]{8}", unavailable["ticket_id"])
    assert "support@tidepool.example" in reply.text and unavailable["ticket_id"] in reply.text
    assert stack.say(sender, "你们的退货政策是什么？").texts  # not paused


# Questions the store's documents do not answer, each refused by the knowledge service.
UNANSWERABLE = ["Is the Harbor Shell PFAS-free?", "what's the inseam on the Canvas Work Pant?"]


def test_two_refusals_in_a_row_hand_the_shopper_to_a_person(stack, sender, lin):
    with lin.online():
        first = stack.say(sender, UNANSWERABLE[0])
        assert first.custom("answer")["route"] == "refusal" and first.custom("handoff_waiting") is None
        second = stack.say(sender, UNANSWERABLE[1])
        assert second.custom("answer")["route"] == "refusal"
        assert second.custom("handoff_waiting")["position"] >= 1
        handoff = lin.waiting_for(sender)
        assert handoff["reason"] == "two_refusals" and handoff["reason_label"].startswith("Two answers")
        assert handoff["summary"]["last_question"] == UNANSWERABLE[1]
        lin.post(f"/api/handoffs/{handoff['id']}/claim").raise_for_status()
        lin.post(f"/api/handoffs/{handoff['id']}/close", {"resolution": "no_reply"}).raise_for_status()


def test_an_operators_rule_and_an_angry_complaint_go_first(stack, lin):
    with lin.online():
        stack.say("rule-shopper", "This is ridiculous, my lawyer will hear about it")
        stack.say("angry-shopper", "This is absolutely unacceptable, the worst service ever! I'm furious!!")
        rule = lin.waiting_for("rule-shopper")
        angry = lin.waiting_for("angry-shopper")
        assert rule["reason"] == "rule:legal" and rule["reason_label"] == "Mentions legal action"
        assert angry["reason"] == "angry_complaint"
        order = [h["conversation_id"] for h in lin.get("/api/inbox").json()["waiting"]]
        assert order.index("angry-shopper") < order.index("rule-shopper")
        for handoff in (rule, angry):
            lin.post(f"/api/handoffs/{handoff['id']}/claim").raise_for_status()
            lin.post(f"/api/handoffs/{handoff['id']}/close", {"resolution": "other"}).raise_for_status()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


AGENT_ROUTES = [(r.method, _concrete(r.path)) for r in agent_api.routes if isinstance(r, web.RouteDef)]
OPEN_ROUTES = {("GET", "/api/session"), ("POST", "/api/login")}


@pytest.mark.parametrize("method, path", [r for r in AGENT_ROUTES if r not in OPEN_ROUTES])
def test_every_desk_api_refuses_a_caller_who_has_not_signed_in(stack, method, path):
    http = requests.Session()
    token = http.get(f"{stack.desk_url}/api/session", timeout=10).json()["csrf_token"]
    reply = http.request(method, f"{stack.desk_url}{path}", json={}, headers={"X-CSRF-Token": token}, timeout=10,
                         stream=True)
    assert reply.status_code == 401 and reply.json() == {"error": "sign in"}


@pytest.mark.parametrize("path", [p for m, p in AGENT_ROUTES if m == "POST"])
def test_every_desk_form_post_without_the_csrf_token_is_refused(stack, lin, path):
    reply = lin.http.post(f"{stack.desk_url}{path}", data={"resolution": "answered", "text": "hi"}, timeout=10)
    assert reply.status_code == 403 and reply.json() == {"error": "csrf"}


def test_the_service_api_needs_the_shared_token(stack):
    body = {"conversation_id": "x", "reason": "asked"}
    assert requests.post(f"{stack.desk_url}/service/handoffs", json=body, timeout=10).status_code == 401
    forged = requests.post(f"{stack.desk_url}/service/handoffs", json=body, timeout=10,
                           headers={"Authorization": "Bearer not-the-token"})
    assert forged.status_code == 401


def test_wrong_passwords_are_rate_limited(stack):
    email = add_agent(stack, "Kim")
    http = requests.Session()
    token = http.get(f"{stack.desk_url}/api/session", timeout=10).json()["csrf_token"]

    def login(password):
        return http.post(f"{stack.desk_url}/api/login", json={"email": email, "password": password},
                         headers={"X-CSRF-Token": token}, timeout=30)

    assert [login(f"guess {n}").status_code for n in range(5)] == [401] * 5
    blocked = login("test password 1234")  # even the right password waits now
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_an_agent_passes_a_conversation_on_and_sends_a_product_card(stack, sender, lin):
    max_ = DeskAgent(stack, add_agent(stack, "Max"))
    with lin.online(), max_.online():
        stack.say(sender, "I need a human")
        handoff = lin.waiting_for(sender)
        lin.post(f"/api/handoffs/{handoff['id']}/claim").raise_for_status()
        moved = lin.post(f"/api/handoffs/{handoff['id']}/transfer", {"agent_id": max_.agent["id"]})
        assert moved.json()["agent"]["name"] == "Max"
        assert lin.post(f"/api/handoffs/{handoff['id']}/messages", {"text": "hi"}).status_code == 403
        [product] = max_.get("/api/products", params={"q": "TP-TNT-002"}).json()
        max_.post(f"/api/handoffs/{handoff['id']}/messages",
                  {"text": "This tent should suit you.", "product_id": product["product_id"]}).raise_for_status()
        sent = agent_events(stack, sender)[-1]["data"]["custom"]
        assert sent["agent"] == "Max" and sent["product"]["id"] == "TP-TNT-002" and sent["product"]["price"] > 0
        said = [e["text"] for e in tracker(stack, sender)["events"] if e["event"] == "bot"]
        assert "Max is taking over from here." in said
        max_.post(f"/api/handoffs/{handoff['id']}/close", {"resolution": "answered"}).raise_for_status()


def test_only_admins_see_the_admin_figures(stack, lin):
    admin = DeskAgent(stack, add_agent(stack, "Boss", role="admin"))
    assert lin.get("/api/admin/metrics").status_code == 403
    figures = admin.get("/api/admin/metrics").json()
    assert {"agents", "waiting_now", "wait_s", "first_response_s", "handle_s", "handoffs_by_reason", "csat",
            "drafts"} <= set(figures)
    assert any(a["name"] == "Lin" for a in figures["agents"])
