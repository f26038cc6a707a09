"""Questions asked from a product page (the web chat widget sends the page's product id): "is this waterproof?"
is answered from that product's own catalogue record; a question naming another product, a policy question or an
unknown id is not bent towards the page. Real fixture index and embedder; a fake model that always refuses, so
every answer here that is not a refusal came from the catalogue data."""
from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import make_mocked_request
from aiohttp import web
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from knowledge.answer import REFUSAL, Answerer
from knowledge.server import parse_question


@pytest.fixture(scope="module")
def answerer(fixture_index) -> Answerer:
    model = FakeListChatModel(responses=[REFUSAL["en"]])
    return Answerer(fixture_index, model, routes=("catalogue", "generated"))


def test_this_on_a_product_page_is_that_product(answerer):
    body = answerer.answer("is this waterproof?", "en", product_id="TP-JKT-001")
    assert body["route"] == "catalogue" and not body["refused"], body
    assert body["answer"] == "The Stormline Rain Jacket (TP-JKT-001) is waterproof.", body
    assert body["citations"][0]["chunk_id"].startswith("product:TP-JKT-001")
    assert body["groundedness"] == 1.0 and body["label"] == "catalogue"


def test_the_answer_follows_the_record_not_the_question(answerer):
    body = answerer.answer("Is it waterproof?", "en", product_id="TP-JKT-002")
    assert body["answer"] == "The Breezeway Wind Shell (TP-JKT-002) is not waterproof.", body


def test_chinese_this_on_a_product_page(answerer):
    body = answerer.answer("这款防水吗？", "zh", product_id="TP-JKT-001")
    assert body["route"] == "catalogue", body
    assert "TP-JKT-001" in body["answer"] and "是防水的" in body["answer"], body


def test_other_facts_and_prices_of_this_product(answerer):
    body = answerer.answer("how much is this?", "en", product_id="TP-JKT-002")
    assert "79.50 USD" in body["answer"] and "TP-JKT-002" in body["answer"], body
    body = answerer.answer("what is it made of?", "en", product_id="TP-JKT-001")
    assert body["answer"] == "The Stormline Rain Jacket (TP-JKT-001) is made of recycled nylon.", body


def test_a_named_product_wins_over_the_page(answerer):
    body = answerer.answer("Is the Breezeway Wind Shell waterproof?", "en", product_id="TP-JKT-001")
    assert "Breezeway Wind Shell (TP-JKT-002) is not waterproof" in body["answer"], body
    assert "TP-JKT-001" not in body["answer"]


def test_policy_questions_and_unknown_ids_ignore_the_page(answerer):
    assert answerer.page_product("how long do refunds take?", "en", "TP-JKT-001") == ""
    assert answerer.page_product("is this waterproof?", "en", "TP-NOPE-999") == ""
    assert answerer.page_product("is this waterproof?", "en", None) == ""
    assert answerer.page_product("is this waterproof?", "en", "TP-JKT-001") == "Stormline Rain Jacket (TP-JKT-001)"
    assert answerer.page_product("这款防水吗？", "zh", "TP-JKT-001") == "风暴线防水夹克 (TP-JKT-001)"
    # without the page, "this" has nothing to point at: no catalogue fact is invented
    assert answerer.answer("is this waterproof?", "en")["route"] != "catalogue"


def test_a_name_that_contains_waterproof_is_not_a_yes_no_question(answerer):
    body = answerer.answer("风暴线防水夹克是什么材质的？", "zh")
    assert "recycled nylon" in body["answer"] and "是防水的" not in body["answer"], body


def parse(body: dict):
    request = make_mocked_request("POST", "/answer", headers={"Content-Type": "application/json"})
    raw = json.dumps(body).encode()

    async def read():
        return raw

    request.read = read
    return asyncio.run(parse_question(request))


def test_parse_question_accepts_an_optional_product_id():
    assert parse({"question": "is this waterproof?"})[4] is None
    assert parse({"question": "is this waterproof?", "product_id": "TP-JKT-001"})[4] == "TP-JKT-001"


@pytest.mark.parametrize("product_id", ["", 7, ["TP-JKT-001"], "TP JKT 001", "x" * 65, "<script>", "-leading"])
def test_parse_question_rejects_a_bad_product_id(product_id):
    with pytest.raises(web.HTTPBadRequest) as caught:
        parse({"question": "is this waterproof?", "product_id": product_id})
    assert "product_id" in json.loads(caught.value.text)["error"]


@pytest.mark.parametrize("metadata, expected", [
    ({"page": {"product_id": "TP-JKT-001", "url": "http://shop.example/p/1"}}, "TP-JKT-001"),
    ({"page": {"url": "http://shop.example/"}}, None),
    ({"page": {"product_id": "<b>x</b>"}}, None),
    ({"page": "TP-JKT-001"}, None),
    ({}, None),
    (None, None),
])
def test_the_action_reads_the_page_product_from_the_message_metadata(metadata, expected):
    from rasa_sdk import Tracker

    from actions.questions import page_product_id

    latest = {"text": "is this waterproof?", "intent": {"name": "product_question"}, "metadata": metadata}
    tracker = Tracker("t1", {}, latest, [], False, None, {}, "action_listen")
    assert page_product_id(tracker) == expected
