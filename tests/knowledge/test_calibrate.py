"""The calibration's arithmetic (knowledge/eval/calibrate.py): what each threshold setting would have shown, from
recorded scores and P(yes), and the settings no other beats. The recording itself runs the real model in
`make calibrate-rag`."""
from __future__ import annotations

from knowledge.eval.calibrate import frontier, outcome

ROWS = [
    # reached the quote step: score, P(yes), and whether the quote served would be right
    {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.96, "p_yes": 0.1},
    {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.93, "p_yes": 0.8},
    {"lang": "en", "answerable": True, "refused": False, "right": False, "score": 0.93, "p_yes": 0.2},
    {"lang": "en", "answerable": False, "refused": False, "right": False, "score": 0.94, "p_yes": 0.1},
    {"lang": "en", "answerable": False, "refused": False, "right": False, "score": 0.90, "p_yes": 0.9},
    # answered or refused before the quote step: as it was
    {"lang": "en", "answerable": True, "refused": False, "right": True},
    {"lang": "en", "answerable": False, "refused": True, "right": False},
    # refused after its quote was read ("do you sell…" with no product): refused at any threshold
    {"lang": "en", "answerable": False, "refused": True, "right": False, "score": 0.99, "p_yes": 0.9},
]


def test_a_setting_shows_from_sure_and_between_floor_and_sure_only_what_the_model_does_not_veto():
    result = outcome(ROWS, floor=0.92, sure=0.95, yes=0.3)["en"]
    assert result == {"correct_answerable": 0.75, "refused_unanswerable": 1.0}
    alone = outcome(ROWS, floor=0.92, sure=0.92, yes=0.0)["en"]  # the score alone: the 0.94 one is shown
    assert alone == {"correct_answerable": 0.75, "refused_unanswerable": 0.75}
    everything = outcome(ROWS, floor=0.0, sure=0.0, yes=0.0)["en"]
    assert everything == {"correct_answerable": 0.75, "refused_unanswerable": 0.5}


def test_the_frontier_keeps_only_settings_nothing_beats():
    points = frontier(ROWS)
    assert points
    for p in points:
        assert not any(all(a >= b for a, b in zip(q["figures"], p["figures"])) and q["figures"] != p["figures"]
                       for q in points)
    assert any(p["result"]["en"] == {"correct_answerable": 0.75, "refused_unanswerable": 1.0} for p in points)


def test_a_policy_question_is_read_from_its_own_floor():
    rows = [  # all below the general floor 0.92, above the policy floor 0.87
        {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.89, "p_yes": 0.45,
         "policy": True},
        {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.89, "p_yes": 0.2,
         "policy": True},  # vetoed by the model
        {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.89, "p_yes": 0.9,
         "policy": False},  # not a policy question: below the floor whatever the model says
    ]
    assert outcome(rows, floor=0.92, sure=0.95, yes=0.3)["en"]["correct_answerable"] == 0.0
    assert outcome(rows, floor=0.92, sure=0.95, yes=0.3, policy_floor=0.87)["en"]["correct_answerable"] == 0.333


def test_a_quote_the_model_reads_as_a_clear_no_is_shown_despite_the_veto():
    rows = [  # both vetoed (P(yes) 0.2 < 0.3); the first says a clear no to the question (Reader.read)
        {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.93, "p_yes": 0.2,
         "clear_no": True},
        {"lang": "en", "answerable": True, "refused": False, "right": True, "score": 0.93, "p_yes": 0.2,
         "clear_no": False},
    ]
    assert outcome(rows, floor=0.92, sure=0.95, yes=0.3)["en"]["correct_answerable"] == 0.5
    assert outcome(rows, floor=0.94, sure=0.95, yes=0.3)["en"]["correct_answerable"] == 0.0  # not below the floor
