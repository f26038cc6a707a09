"""The identifiers shoppers type or services pass around: order numbers, emails, conversation ids."""

from __future__ import annotations

import re
from typing import Optional

# No \b: in Chinese text ("订单TP10042到哪了") there is no word boundary around the id.
ORDER_ID_PATTERN = re.compile(r"(?i)(?<![a-z])TP[\s#-]*(\d{5})(?!\d)|^\s*#?(\d{5})\s*$")
# A match may only start where a local part can start, and every part is bounded: on a long run of letters with no
# "@" each position fails at once, so the cost stays linear (the unbounded pattern took 1.9 s on 40,000 letters and
# minutes on a million). bot/data/nlu/entities.yml uses the same pattern; tests/shop checks they agree.
EMAIL = (r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
         r"\.[A-Za-z]{2,24}")
EMAIL_PATTERN = re.compile(EMAIL)
# Conversation ids the live-answer view accepts; other (free-form REST) sender ids are simply not watched live.
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def normalize_order_id(text: str) -> Optional[str]:
    """'tp-10042', '#TP10042' or a bare '10042' -> 'TP10042'; None if it is not an order number."""
    match = ORDER_ID_PATTERN.search(text or "")
    if not match:
        return None
    return "TP" + (match.group(1) or match.group(2))


def normalize_email(text: str) -> Optional[str]:
    """The first email address in `text`, lower-cased; None if there is none."""
    match = EMAIL_PATTERN.search(text or "")
    return match.group(0).lower() if match else None
