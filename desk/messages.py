"""What the shopper reads while a person is involved, in English and Chinese."""

from __future__ import annotations

TEXTS = {
    "waiting": {
        "en": "You're number {position} in the queue. A person will join you here soon.",
        "zh": "您当前排在第 {position} 位，客服人员稍后会在这里与您对话。",
    },
    "waiting_next": {
        "en": "You're next in the queue. A person will join you here soon.",
        "zh": "下一位就是您，客服人员马上会在这里与您对话。",
    },
    "joined": {"en": "{agent} from our team has joined the conversation.", "zh": "客服 {agent} 已接入对话。"},
    "ended": {
        "en": "{agent} has handed you back to Pip, the assistant. How did we do? Please rate this conversation.",
        "zh": "{agent} 已将对话交回智能助手 Pip。请为本次服务评分。",
    },
    "left_queue": {
        "en": "OK, you're back with Pip, the assistant. Ask me anything.",
        "zh": "好的，您已回到智能助手 Pip，有什么可以帮您？",
    },
    "transferred": {"en": "{agent} is taking over from here.", "zh": "现在由客服 {agent} 为您服务。"},
}

REASON_LABELS = {
    "asked": "Asked for a person",
    "two_refusals": "Two answers in a row the bot could not give",
    "angry_complaint": "Angry complaint",
    "complaint": "Complaint",
}

RESOLUTIONS = [
    {"code": "answered", "label": "Question answered"},
    {"code": "order_fixed", "label": "Order problem fixed"},
    {"code": "refund_or_return", "label": "Refund or return arranged"},
    {"code": "escalated", "label": "Escalated to another team"},
    {"code": "no_reply", "label": "Shopper stopped replying"},
    {"code": "other", "label": "Other"},
]
RESOLUTION_CODES = {r["code"] for r in RESOLUTIONS}


def text(key: str, language: str, **values: object) -> str:
    return TEXTS[key]["zh" if language == "zh" else "en"].format(**values)


def waiting_text(position: int, language: str) -> str:
    return text("waiting_next", language) if position <= 1 else text("waiting", language, position=position)
