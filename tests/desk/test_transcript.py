"""A Rasa tracker as the agent reads it (desk/transcript.py), from events shaped like Rasa 3.6's."""

from desk import transcript


def user(text, intent):
    return {"event": "user", "text": text, "timestamp": 1.0, "parse_data": {"intent": {"name": intent}}}


def bot(text, custom=None, utter=None, at=2.0):
    return {"event": "bot", "text": text, "timestamp": at, "data": {"custom": custom},
            "metadata": {"utter_action": utter} if utter else {}}


def test_the_reply_assistant_drafts_for_the_last_real_question_not_for_asking_for_a_person():
    events = [user("你们的退货政策是什么？", "returns_refunds"), bot("30 天内可退。"),
              user("我要转人工客服", "human_agent"), user("/handoff_cancel", "handoff_cancel"),
              user("你好", "greeting")]
    assert transcript.latest_question({"events": events}) == "你们的退货政策是什么？"


def test_each_bot_answer_shows_its_grounding_and_refusals_and_failures_are_marked():
    answer = {"type": "answer", "groundedness": 0.93, "route": "extractive", "label": "store_policy",
              "citations": [{"title": "Returns", "source": "policies/en/returns.md", "url": "https://x.example/r"}]}
    refusal = {"type": "answer", "groundedness": 0.2, "route": "refusal", "citations": [], "offer_human": True}
    events = [bot("Returns are free.", answer, at=1), bot("I can't find that.", refusal, at=2),
              bot("I can't look that up right now.", utter="utter_knowledge_unavailable", at=3),
              bot("Lin joined.", {"type": "agent_joined", "agent": "Lin"}, at=4),
              bot("Hi!", {"type": "agent_message", "agent": "Lin"}, at=5), {"event": "pause", "timestamp": 6}]
    entries = transcript.build({"events": events}, [{"text": "check stock", "at": 4.5, "agent": "Lin"}])
    assert [e["kind"] for e in entries] == ["bot", "bot", "bot", "system", "note", "agent", "system"]
    grounded, refused, failed = (e["answer"] for e in entries[:3])
    assert grounded == {"groundedness": 0.93, "route": "extractive", "label": "store_policy", "refused": False,
                        "failed": False, "sources": [{"title": "Returns", "source": "policies/en/returns.md",
                                                      "url": "https://x.example/r"}]}
    assert refused["refused"] and not refused["failed"] and failed["failed"]
    assert entries[5] == {"kind": "agent", "text": "Hi!", "at": 5, "agent": "Lin"}
    assert "card" not in entries[3]  # a handoff notice reads as its text
