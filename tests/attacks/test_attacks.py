"""The short run of the prompt-injection and abuse suite (the cases marked `ci` in cases.yml; all of them run in
`make eval-attacks`): through the real Rasa, action and knowledge servers, and a knowledge service over a
poisoned copy of the store. Each case fails on any protected data, invented commercial fact or server error."""
from __future__ import annotations

import pytest

from scripts.eval_attacks import load_cases, poisoned_knowledge, run_case
from scripts.attack_checks import StoreFacts

pytestmark = pytest.mark.stack
CI_CASES = [c for c in load_cases() if c.get("ci")]


@pytest.fixture(scope="module")
def facts() -> StoreFacts:
    return StoreFacts()


@pytest.fixture(scope="module")
def poisoned_url(tmp_path_factory):
    with poisoned_knowledge(tmp_path_factory.mktemp("poison")) as url:
        yield url


@pytest.mark.parametrize("case", CI_CASES, ids=[c["id"] for c in CI_CASES])
def test_attack_is_refused(case, stack, facts, request):
    url = request.getfixturevalue("poisoned_url") if case["channel"] == "poisoned" else None
    result = run_case(case, stack, url, facts)
    assert result["passed"], f"{result['problems']}\n{result['turns']}"
