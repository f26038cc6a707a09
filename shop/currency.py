"""Amounts in the shopper's own currency ("500元", "¥500", "under 80 euros") found in text and converted to the
store's currency with the rates the operator set in store.yml (`currencies`). A currency the store does not list
is recognised but never converted: the caller asks the shopper instead of guessing."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from shop.numerals import CN_NUMERAL, cn_number

# Words that name a currency the store may not convert, so "5000 yen" is known to be money we cannot read rather
# than a bare number in the store's currency. store.yml's own words win over these.
RECOGNISED = {
    "USD": ["$", "US$", "USD", "美元", "美金"], "CNY": ["元", "块", "人民币", "RMB", "CNY", "yuan"],
    "EUR": ["€", "EUR", "euro", "euros", "欧元"], "GBP": ["£", "GBP", "英镑"],
    "JPY": ["yen", "JPY", "日元", "日币", "円"], "KRW": ["won", "KRW", "韩元", "韩币"],
    "MXN": ["peso", "pesos", "MXN", "比索"], "INR": ["rupee", "rupees", "INR", "卢比"],
    "HKD": ["HK$", "HKD", "港币", "港元"], "TWD": ["NT$", "TWD", "新台币", "台币"], "AUD": ["A$", "AUD", "澳元"],
    "CAD": ["C$", "CAD", "加元", "加币"], "SGD": ["S$", "SGD", "新加坡元", "新币"],
    "CHF": ["CHF", "franc", "francs", "瑞士法郎"], "RUB": ["RUB", "ruble", "rubles", "rouble", "roubles", "卢布"],
    "BRL": ["R$", "BRL", "reais"], "THB": ["THB", "baht", "泰铢"],
}
# In English text "¥" is the yen as often as the yuan: a question, unless the store lists it for English text.
AMBIGUOUS = {"¥": "CNY/JPY", "￥": "CNY/JPY"}
NUMBER = rf"(\d[\d,]*(?:\.\d+)?|{CN_NUMERAL})"
RANGE_JOIN = r"\s*(?:-|–|~|～|到|至|to|and)\s*"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Mention:
    """An amount with the currency it was said in: `code` None when the store does not convert that currency;
    `named` says which one it looked like ("JPY", "CNY/JPY"); `said` is the whole phrase as written."""

    start: int
    end: int
    amount: float
    said: str
    code: Optional[str]
    named: str = ""
    symbol: bool = False  # said with a symbol or code before it ("€80"), not a word after it ("80 euros")
    last: bool = True  # the last amount of its phrase (the "500" of "300-500元" carries the currency word)


@dataclass(frozen=True)
class Currencies:
    """The store's currency, the rates the operator set (1 unit = rate in the store's currency) and the words
    that name each currency."""

    store: str = "USD"
    rates: dict = field(default_factory=dict)
    words: dict = field(default_factory=dict)
    words_zh: dict = field(default_factory=dict)
    rates_set_on: str = ""

    @property
    def listed(self) -> list[str]:
        """The currencies a shopper may use: the store's first, then those it converts."""
        return [self.store] + sorted(c for c in self.rates if c != self.store)

    def convert(self, amount: float, code: str) -> float:
        """`amount` of `code` in the store's currency, to the cent; KeyError for a currency the store does not list."""
        rate = 1.0 if code == self.store else self.rates[code]
        return round(amount * rate, 2)

    def find(self, text: str) -> list[Mention]:
        """Every amount named with a currency, in order; a range ("300-500元", "€50 to 80") gives both ends."""
        chinese = bool(CJK.search(text))
        names = self._names(chinese)
        alternation = "|".join(re.escape(w) for w in sorted(names, key=len, reverse=True))
        prefix = "|".join(re.escape(w) for w in sorted((w for w in names if is_symbol(w)), key=len, reverse=True))
        pattern = re.compile(
            rf"(?<![A-Za-z0-9.,])(?:(?P<pre>{prefix})\s*{NUMBER}(?:{RANGE_JOIN}(?:(?P=pre)\s*)?{NUMBER})?"
            rf"|{NUMBER}(?:{RANGE_JOIN}{NUMBER})?\s*(?P<post>{alternation})(?![A-Za-z]))", re.I)
        found: list[Mention] = []
        for m in pattern.finditer(text):
            symbol = m.group("pre") is not None
            code = names[(m.group("pre") or m.group("post")).lower()]
            groups = [g for g in ((2, 3) if symbol else (4, 5)) if m.group(g)]
            amounts = [amount_of(m.group(g)) for g in groups]
            if None in amounts or not symbol and not m.group(groups[0])[0].isdigit() and m.group("post") == "块" \
                    and amounts[-1] < 10:  # "一块手表" is one watch, not one yuan
                continue
            known = code if code == self.store or code in self.rates else None
            for i, (g, amount) in enumerate(zip(groups, amounts)):
                start = m.start() if i == 0 else m.start(g)
                end = m.end() if i == len(groups) - 1 else m.end(g)
                found.append(Mention(start, end, float(amount), m.group(0).strip(), known, code, symbol,
                                     i == len(groups) - 1))
        return found

    def _names(self, chinese: bool) -> dict[str, str]:
        """Lower-cased word -> currency code: the recognised words, overridden by the store's own."""
        names = {w.lower(): code for code, words in RECOGNISED.items() for w in words}
        names.update({k: v for k, v in AMBIGUOUS.items()})
        for code, words in list(self.words.items()) + (list(self.words_zh.items()) if chinese else []):
            names.update({str(w).lower(): code for w in words})
        return names


def is_symbol(word: str) -> bool:
    """Words that may come before the amount: symbols ("€", "US$") and ISO codes ("RMB 500", "EUR 80")."""
    return not re.search(r"[a-z\u4e00-\u9fff]", word, re.I) or bool(re.fullmatch(r"[a-z]{1,2}\$|[a-z]{3}", word, re.I))


def amount_of(number: str) -> Optional[float]:
    """'1,299.50' -> 1299.5, '五百' -> 500.0; None for text that is no number, or a number too long to be an amount
    (400 nines read as infinity, which no price can be compared with or shown as)."""
    if number[0].isdigit():
        value = float(number.replace(",", ""))
        return value if math.isfinite(value) else None
    value = cn_number(number)
    return None if value is None else float(value)


@lru_cache(maxsize=8)
def store_currencies(store_yml: Path) -> Currencies:
    """The `currency` and `currencies` sections of store.yml; a missing file or section converts nothing."""
    try:
        data = yaml.safe_load(Path(store_yml).read_text(encoding="utf-8")) or {}
    except OSError:
        data = {}
    section = data.get("currencies") or {}
    rates = {str(k).upper(): float(v) for k, v in (section.get("rates") or {}).items()
             if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0}

    def words(key: str) -> dict:
        return {str(k).upper(): tuple(str(w) for w in v) for k, v in (section.get(key) or {}).items()
                if isinstance(v, list)}

    return Currencies(store=str(data.get("currency") or "USD").upper(), rates=rates, words=words("words"),
                      words_zh=words("words_zh"), rates_set_on=str(section.get("rates_set_on") or ""))
