"""Product questions answered from the product's own snippets: a catalogue whose rows carry bullets and reviews as
extra columns (as a marketplace export does), a question asked on the product's page (`product_id`), the real
index, embedder and local model. The answer quotes the snippet that says it, or is a refusal: never a guess."""
from __future__ import annotations

import json

import pytest

from knowledge.answer import Answerer
from knowledge.index import Index
from knowledge.ingest import ingest
from knowledge.product_passages import product_passages

pytestmark = pytest.mark.llm

LAMP = {
    "id": "B0-LAMP", "name": "Lumen Desk Lamp", "price": 39.0, "category": "home", "brand": "Lumen",
    "description": "A dimmable LED desk lamp with a weighted base.",
    "bullets": ["The arm reaches 45 cm and the head tilts 90 degrees, so the light goes where you work.",
                "Five brightness levels and three colour temperatures, from warm 3000K to daylight 6500K."],
    "reviews": ["I read with it every night. The USB port on the base charges my phone while I work, which I love.",
                "The LEDs are built in and cannot be replaced, so when they fail the whole lamp has to go."],
}


@pytest.fixture(scope="module")
def snippet_answerer(tmp_path_factory, llm) -> Answerer:
    root = tmp_path_factory.mktemp("snippets")
    catalog = root / "catalog.jsonl"
    catalog.write_text(json.dumps(LAMP) + "\n", encoding="utf-8")
    index = Index(root / "index")
    ingest(index, catalog, None, None, reset=True, progress=False)
    return Answerer(index, llm)


def test_long_columns_become_sentences_and_short_ones_stay_values():
    record = {**LAMP, "attributes": {"bullets": LAMP["bullets"], "reviews": LAMP["reviews"], "colour": "black"}}
    texts = [p.text for p in product_passages(record, "product:B0-LAMP", "en")]
    assert "The USB port on the base charges my phone while I work, which I love." in texts
    assert "Colour: black" in texts
    assert not any(t.startswith(("Bullets:", "Reviews:")) for t in texts), texts


@pytest.mark.parametrize("question, wanted", [
    ("can I charge my phone with it?", "USB"),
    ("can its LEDs be replaced?", "cannot be replaced"),
    ("how far does its arm reach?", "45 cm"),
])
def test_a_product_question_is_answered_from_its_snippets(snippet_answerer, question, wanted):
    body = snippet_answerer.answer(question, "en", product_id="B0-LAMP")
    assert not body["refused"] and wanted in body["answer"], body
    assert body["citations"][0]["chunk_id"].startswith("product:B0-LAMP"), body


def test_a_product_question_its_snippets_do_not_answer_is_refused(snippet_answerer):
    body = snippet_answerer.answer("does it come with a warranty card in German?", "en", product_id="B0-LAMP")
    assert body["refused"], body
