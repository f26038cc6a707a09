"""A Rasa tracker as the agent reads it: shopper, bot and agent messages, with each bot answer's grounding shown,
and the desk's internal notes woven in by time."""

from __future__ import annotations

from typing import Any

from shop.store.backend import ATTACHMENT_ID

HANDOFF_PAYLOADS = {"handoff_waiting", "agent_joined", "handoff_ended", "handoff_unavailable"}
# Replies that mean the bot could not help with what was asked.
FAILED_UTTERANCES = {"utter_knowledge_unavailable", "utter_default"}


def _answer(custom: dict, utter_action: str | None) -> dict:
    sources = [{"title": c.get("title") or c.get("source") or "", "source": c.get("source", ""),
                **({"url": c["url"]} if c.get("url") else {})}
               for c in custom.get("citations") or [] if isinstance(c, dict)]
    return {"groundedness": custom.get("groundedness"), "route": custom.get("route"), "label": custom.get("label"),
            "refused": custom.get("route") == "refusal" or (not sources and custom.get("offer_human", False)),
            "failed": utter_action in FAILED_UTTERANCES, "sources": sources}


def _user_text(event: dict) -> str:
    text = event.get("text") or ""
    if text.startswith("/"):  # a button: say which, not the raw payload
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or text[1:]
        return f"[button: {intent}]"
    return text


# Photos (issue 14): the web chat sends /share_photo{"attachment_id": ...}; the desk shows the photo through
# GET /api/attachments/{id} (agent_api.py) in place of the payload.
def _shared_photo(event: dict) -> str | None:
    for found in (event.get("parse_data") or {}).get("entities") or []:
        if isinstance(found, dict) and found.get("entity") == "attachment_id":
            value = str(found.get("value") or "")
            return value if ATTACHMENT_ID.fullmatch(value) else None
    return None


def entry(event: dict) -> dict | None:
    kind, at = event.get("event"), event.get("timestamp") or 0.0
    if kind == "user":
        photo = _shared_photo(event)
        if photo:
            return {"kind": "user", "text": "[photo]", "at": at, "attachment_id": photo}
        return {"kind": "user", "text": _user_text(event), "at": at}
    if kind == "pause":
        return {"kind": "system", "text": "Bot paused", "at": at}
    if kind == "resume":
        return {"kind": "system", "text": "Bot resumed", "at": at}
    if kind != "bot":
        return None
    data = event.get("data") or {}
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    utter_action = (event.get("metadata") or {}).get("utter_action")
    text = event.get("text") or ""
    kind_of_custom = custom.get("type") if isinstance(custom.get("type"), str) else None  # a card's kind, or none
    if kind_of_custom == "agent_message":
        out = {"kind": "agent", "text": text, "at": at, "agent": custom.get("agent")}
        if isinstance(custom.get("product"), dict):
            out["card"] = {"type": "product", **custom["product"]}
        return out
    if kind_of_custom in HANDOFF_PAYLOADS:  # the notice's text says it all to an agent
        return {"kind": "system", "text": text or kind_of_custom, "at": at}
    out: dict[str, Any] = {"kind": "bot", "text": text, "at": at}
    if kind_of_custom == "answer":
        out["answer"] = _answer(custom, utter_action)
    elif utter_action in FAILED_UTTERANCES:
        out["answer"] = {"groundedness": None, "route": None, "label": None, "refused": False, "failed": True,
                         "sources": []}
    elif custom:
        out["card"] = custom
    if not text and not custom:
        return None
    return out


def build(tracker: dict, notes: list[dict]) -> list[dict]:
    entries = [e for e in (entry(event) for event in tracker.get("events") or []) if e]
    entries.extend({"kind": "note", "text": n["text"], "at": n["at"], "agent": n["agent"]} for n in notes)
    return sorted(entries, key=lambda e: e["at"])


# Messages about the conversation itself ("a person please", "hello"), not questions the documents could answer.
NOT_QUESTIONS = {"human_agent", "handoff_cancel", "rate_conversation", "greeting"}


def latest_question(tracker: dict) -> str:
    """The shopper's latest typed question (buttons, greetings and asking for a person are not questions)."""
    for event in reversed(tracker.get("events") or []):
        text = (event.get("text") or "").strip()
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if event.get("event") == "user" and text and not text.startswith("/") and intent not in NOT_QUESTIONS:
            return text
    return ""


def history(tracker: dict, before: str, turns: int = 2) -> list[dict]:
    """The last exchanges before the latest question, for the knowledge service to read a follow-up."""
    out: list[dict] = []
    for event in reversed(tracker.get("events") or []):
        if len(out) >= turns * 2:
            break
        text = (event.get("text") or "").strip()
        if not text or text == before or text.startswith("/"):
            continue
        if event.get("event") == "user":
            out.insert(0, {"role": "user", "content": text[:2000]})
        elif event.get("event") == "bot":
            out.insert(0, {"role": "assistant", "content": text[:2000]})
    return out
