"""`make bench-handoff`: how fast a request for a person reaches the desk, and how fast the bot answers again after a
hand-back, against the real servers.

For each of N shoppers (REST channel): the shopper asks for a person; the clock runs until the agent's desk has
received the live `inbox` event and its inbox lists the conversation (what the desk page does). The agent then
claims, replies and hands back; the clock runs from the hand-back until the bot's answer to the shopper's next
message. The same message in a conversation that was never handed off is the baseline, measured in the same run.
Writes reports/handoff_bench.json and .md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from scripts.desk_client import DeskAgent, add_agent
from scripts.report_handoff import write_report
from scripts.stack import ROOT, running_stack

NEXT_MESSAGE = "what is your return policy?"


def spread(values: list[float]) -> dict:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return {"p50_s": round(pick(0.5), 3), "p95_s": round(pick(0.95), 3), "mean_s": round(statistics.fmean(ordered), 3),
            "n": len(ordered)}


def say(stack, sender: str, text: str) -> list:
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=180)
    reply.raise_for_status()
    return reply.json()


def one_handoff(stack, agent: DeskAgent, sender: str, rating: int) -> dict:
    seen = len(agent.events)
    started = time.monotonic()
    asking = threading.Thread(target=say, args=(stack, sender, "I want to talk to a person"))
    asking.start()
    handoff = None
    while handoff is None:
        if time.monotonic() - started > 120:
            raise RuntimeError(f"{sender} never reached the desk")
        if len(agent.events) > seen:  # a live event: the page re-fetches its inbox
            seen = len(agent.events)
            handoff = next((h for h in agent.get("/api/inbox").json()["waiting"] if h["conversation_id"] == sender),
                           None)
        else:
            time.sleep(0.005)
    shown_s = time.monotonic() - started
    asking.join()
    agent.post(f"/api/handoffs/{handoff['id']}/claim").raise_for_status()
    agent.post(f"/api/handoffs/{handoff['id']}/messages", {"text": "Hi, I'm here to help."}).raise_for_status()
    agent.post(f"/api/handoffs/{handoff['id']}/close", {"resolution": "answered"}).raise_for_status()
    handed_back = time.monotonic()
    assert say(stack, sender, NEXT_MESSAGE), "the bot did not answer after the hand-back"
    resume_s = time.monotonic() - handed_back
    say(stack, sender, f'/rate_conversation{{"rating": {rating}}}')
    baseline_started = time.monotonic()
    assert say(stack, f"{sender}-baseline", NEXT_MESSAGE)
    return {"shown_s": shown_s, "resume_s": resume_s, "baseline_s": time.monotonic() - baseline_started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoffs", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        agent = DeskAgent(stack, add_agent(stack, "Bench"))
        runs = []
        with agent.online():
            time.sleep(0.5)
            say(stack, "bench-warm-up", NEXT_MESSAGE)
            for n in range(args.handoffs):
                runs.append(one_handoff(stack, agent, f"bench-{n}", rating=3 + n % 3))
                last = runs[-1]
                print(f"[{n + 1}/{args.handoffs}] shown on the desk {last['shown_s'] * 1000:.0f} ms, bot back "
                      f"{last['resume_s'] * 1000:.0f} ms (baseline {last['baseline_s'] * 1000:.0f} ms)", flush=True)
        # The figures the admin view shows, for these conversations (reports/handoff.md).
        write_report(stack.env["DESK_DATABASE_URL"], args.out, source=f"the {args.handoffs} benchmark handoffs")
    result = {
        "handoffs": args.handoffs,
        "request_to_desk": spread([r["shown_s"] for r in runs]),
        "bot_answer_after_hand_back": spread([r["resume_s"] for r in runs]),
        "baseline_same_message_never_handed_off": spread([r["baseline_s"] for r in runs]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "handoff_bench.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rows = [("Shopper asks for a person → conversation listed on the agent's desk", result["request_to_desk"]),
            (f"Hand-back → bot's answer to \"{NEXT_MESSAGE}\"", result["bot_answer_after_hand_back"]),
            ("Baseline: same message, conversation never handed off", result["baseline_same_message_never_handed_off"])]
    lines = ["# Handoff latency", "", f"`make bench-handoff`: {args.handoffs} handoffs through the real Rasa, action "
             "server, knowledge service and desk on loopback (REST channel, one agent online).", "",
             "| measure | p50 | p95 | mean |", "|---|---|---|---|"]
    lines += [f"| {name} | {s['p50_s']:.3f} s | {s['p95_s']:.3f} s | {s['mean_s']:.3f} s |" for name, s in rows]
    (args.out / "handoff_bench.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
