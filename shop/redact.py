"""Personal data out of the text that leaves a conversation: card numbers, e-mail addresses and phone numbers become
"[card]", "[email]" and "[phone]" in the services' logs and in what the language model reads.

Every pattern is linear on hostile input: each alternative starts behind a look-behind that fails at once inside a
run of letters or digits, every quantifier is bounded, and no quantified group holds another quantifier. Candidates
are then checked in Python (a card number must be in a network's range and pass Luhn; a phone number must have a
plausible count of digits), so order ids ("TP-10023", "TP10042"), SKUs ("TP-JKT-001"), prices ("$1,299.00"),
tracking numbers and dates stay.

In logs: `install_log_redaction()` (every service, at start) redacts every log record the process makes, whichever
logger and handler it goes to; `RedactingFilter` is the same as a logging filter, for logging config files (Rasa's
`--logging-config-file bot/logging.yml`). Runs in both venvs (Python 3.10 for Rasa, 3.11 for the rest).
"""

from __future__ import annotations

import logging
import re
import traceback

from shop.identifiers import EMAIL

CARD, EMAIL_MARK, PHONE = "[card]", "[email]", "[phone]"

# 13-19 digits as cards are typed: 4-4-4-(1-7) (Visa, Mastercard, UnionPay, JCB, Discover) or 4-6-(4-5) (Amex,
# Diners), each separator an optional space or dash; Luhn decides (_card_or_text).
CARD_CANDIDATE = re.compile(r"(?<![\d+-])(?:\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{4,5})(?!\d)")
# The networks' number ranges and lengths (Visa, Mastercard, Amex, Diners, JCB, Discover and UnionPay, Maestro): a
# platform's user id ("15551230001" on WhatsApp) or another long number outside them is never taken for a card.
CARD_NUMBER = re.compile(r"4(?:\d{12}|\d{15}|\d{18})|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}"
                         r"|3[47]\d{13}|3(?:0[0-5]|[689])\d{11,16}|35\d{14,17}|6(?:011|5\d\d|4[4-9]\d|2\d\d)\d{12,15}"
                         r"|(?:50|5[6-8]|6[37])\d{11,17}")
EMAIL_ADDRESS = re.compile(EMAIL)
# Phone numbers: "+" and a country code ("+1 (503) 555-0142", "+86 138 1234 5678", "+44 20 7946 0958"); Chinese
# mobiles ("13812345678", "138-1234-5678"); Chinese landlines ("010-12345678"); North American numbers with their
# separators ("(503) 555-0142", "503-555-0142"). Not preceded by a letter or digit: the digits of a tracking number
# ("1Z40WTKP4266113714") or of a longer run are never a phone.
PHONE_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9+])\+\d[\d ().-]{6,20}\d(?!\d)"
    r"|(?<![A-Za-z0-9+-])1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"
    r"|(?<![A-Za-z0-9+-])0\d{2,3}-\d{7,8}(?!\d)"
    r"|(?<![A-Za-z0-9+-])\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"
)
PHONE_DIGITS = range(7, 16)  # E.164 allows at most 15
DOUBLED = {str(d): (2 * d - 9 if d > 4 else 2 * d) for d in range(10)}


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    backwards = digits[::-1]
    return (sum(map(int, backwards[0::2])) + sum(DOUBLED[d] for d in backwards[1::2])) % 10 == 0


def _card_or_text(match: re.Match) -> str:
    candidate = match.group(0)
    digits = candidate.replace(" ", "").replace("-", "")
    return CARD if CARD_NUMBER.fullmatch(digits) and luhn_valid(digits) else candidate


def _phone_or_text(match: re.Match) -> str:
    candidate = match.group(0)
    digits = sum(char.isdigit() for char in candidate)
    return PHONE if digits in PHONE_DIGITS else candidate


def redact(text: str) -> str:
    """`text` with card numbers, e-mail addresses and phone numbers replaced by [card], [email] and [phone]."""
    if not text or not any(char.isdigit() or char == "@" for char in text):
        return text
    text = CARD_CANDIDATE.sub(_card_or_text, text)
    text = EMAIL_ADDRESS.sub(EMAIL_MARK, text)
    return PHONE_CANDIDATE.sub(_phone_or_text, text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message (arguments merged in), exception text and stack redacted, in place."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the message: logging reports that itself, later
        return record
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record it sees. Built from a logging config file, it also installs the
    process-wide redaction, so loggers with handlers of their own (Sanic's, in Rasa) are covered too."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install_log_redaction()

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install_log_redaction() -> None:
    """Redact every log record this process makes from now on (idempotent): the record factory redacts each record
    as it is made, before any filter, handler or formatter sees it."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args, **kwargs) -> logging.LogRecord:
        return redact_record(make_record(*args, **kwargs))

    logging.setLogRecordFactory(redacted_record)
    _installed = True
