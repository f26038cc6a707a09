"""The NLU's own graph components, run in the Rasa venv (they import rasa, which the app venv must not hold): the
out-of-scope gate's decision and the e5 featurizer's vectors."""

import json
import subprocess

from scripts.stack import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

GATE = """
import json
from bot.components.out_of_scope import OutOfScopeGate
from rasa.shared.nlu.training_data.message import Message
gate = OutOfScopeGate({"threshold": 0.3, "out_of_scope_intent": "out_of_scope"})
cases = [("order_tracking", 0.25), ("order_tracking", 0.9), ("out_of_scope", 0.1)]
out = []
for name, confidence in cases:
    m = Message(data={"text": "x", "intent": {"name": name, "confidence": confidence},
                      "intent_ranking": [{"name": name, "confidence": confidence},
                                         {"name": "out_of_scope", "confidence": 0.05}]})
    gate.process([m])
    out.append({"intent": m.get("intent"), "ranking": [r["name"] for r in m.get("intent_ranking")]})
print(json.dumps(out))
"""

FEATURIZER = """
import json
import numpy as np
from bot.components.e5_featurizer import E5SentenceFeaturizer
from rasa.shared.nlu.training_data.message import Message
f = E5SentenceFeaturizer({**E5SentenceFeaturizer.get_default_config(), "alias": "e5"}, "e5")
texts = ["where is my parcel", "我的快递到哪了", "play some jazz"]
msgs = [Message(data={"text": t}) for t in texts] + [Message(data={})]
f.process(msgs)
vecs = [m.get_dense_features("text")[1] for m in msgs[:3]]
v = np.vstack([x.features for x in vecs])
print(json.dumps({"shape": list(v.shape), "norms": [float(n) for n in np.linalg.norm(v, axis=1)],
                  "same_meaning": float(v[0] @ v[1]), "different": float(v[0] @ v[2]),
                  "empty_untouched": msgs[3].get_dense_features("text")[1] is None}))
"""


def run(code):
    done = subprocess.run([str(RASA_PYTHON), "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_gate_declines_only_unsure_in_scope_intents():
    unsure, sure, off_topic = run(GATE)
    assert unsure["intent"] == {"name": "out_of_scope", "confidence": 0.75}
    assert unsure["ranking"] == ["out_of_scope", "order_tracking"]  # the classifier's guess stays below it
    assert sure["intent"]["name"] == "order_tracking" and sure["ranking"][0] == "order_tracking"
    assert off_topic["intent"] == {"name": "out_of_scope", "confidence": 0.1}


def test_the_featurizer_gives_one_unit_vector_per_message_across_languages():
    got = run(FEATURIZER)
    assert got["shape"] == [3, 384]
    assert all(abs(n - 1) < 1e-3 for n in got["norms"])
    assert got["same_meaning"] > got["different"]  # "where is my parcel" is nearer 我的快递到哪了 than jazz
    assert got["empty_untouched"]


HANDOFF_RULES = """
import json, sys
from bot.components.handoff_rules import HandoffRules
from rasa.shared.nlu.training_data.message import Message
rules = HandoffRules({"rules_file": sys.argv[1]})
cases = [("I will have my lawyer call you", "complaint"), ("my issue is the zip", "complaint"),
         ("帐篷着火了，我的手被烫伤了", "complaint"), ("where is my order", "order_tracking")]
out = []
for text, intent in cases:
    m = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                      "intent_ranking": [{"name": intent, "confidence": 0.9}], "entities": []})
    rules.process([m])
    out.append([m.get("intent")["name"], [e["value"] for e in m.get("entities") if e["entity"] == "handoff_reason"]])
print(json.dumps(out))
"""


def test_operator_rules_turn_a_matching_message_into_a_request_for_a_person():
    rules_file = ROOT / "data" / "store" / "handoff_rules.yml"
    result = subprocess.run([str(RASA_PYTHON), "-c", HANDOFF_RULES, str(rules_file)], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=300)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["human_agent", ["rule:legal"]],
        ["complaint", []],  # "issue" is not "sue": Latin words match whole
        ["human_agent", ["rule:safety"]],
        ["order_tracking", []],
    ]
