"""The e-mail pattern (shop/identifiers.py, and the same one in the NLU's regexes) finds real addresses and stays
linear on hostile input: one 1,000,000-letter message froze Rasa for 49 minutes with the unbounded pattern."""

import re
import time

import pytest
import yaml

from scripts.stack import ROOT
from shop.identifiers import EMAIL, EMAIL_PATTERN, normalize_email


def nlu_email_regex() -> str:
    data = yaml.safe_load((ROOT / "bot" / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8"))
    [entry] = [e for e in data["nlu"] if e.get("regex") == "email"]
    return entry["examples"].strip().removeprefix("- ").strip()


def test_the_nlu_and_the_services_use_the_same_pattern():
    assert nlu_email_regex() == EMAIL


@pytest.mark.parametrize("text, found", [
    ("my email is Jo.Walker@gmail.com thanks", "jo.walker@gmail.com"),
    ("邮箱是li.na@163.com，谢谢", "li.na@163.com"),
    ("a.b-c+d@sub.domain.example.org", "a.b-c+d@sub.domain.example.org"),
    ("no address here", None),
    ("me@localhost", None),
])
def test_real_addresses_are_found(text, found):
    assert normalize_email(text) == found


@pytest.mark.parametrize("hostile", ["a" * 1_000_000, ("a" * 60 + ".") * 16_000, "a@" * 300_000, "x" * 999_999 + "@"])
def test_a_huge_message_is_scanned_in_linear_time(hostile):
    # Seconds of headroom over the ~20 ms a linear scan takes here; the old pattern needed minutes.
    for pattern in (EMAIL_PATTERN, re.compile(nlu_email_regex())):
        started = time.perf_counter()
        pattern.findall(hostile)
        assert time.perf_counter() - started < 2.0
