"""Tokens for BM25 and for the answer checks: jieba for Chinese, whole codes (SKUs, model numbers) kept intact."""
from __future__ import annotations

import logging
import re

import jieba

jieba.setLogLevel(logging.WARNING)

CODE = re.compile(r"\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b")  # TP-JKT-001, GTX-2000
WORD = re.compile(r"[\w.%$]+", re.U)
STOP = set("""a an the is are was were be been am do does did of to in on at for and or by with from as it its this that
these those i you we they he she my your our their me us what which who how when where why can could would should will
shall may might must have has had not no yes if then than there here any some all about into over under up out please
的 了 吗 呢 吧 啊 是 在 和 与 或 我 你 您 我们 你们 他 她 它 这 那 这个 那个 有 吗 什么 怎么 多少
可以 能 会 要 就 都 也 还 请""".split())


def tokenize(text: str) -> list[str]:
    text = text.lower()
    tokens = CODE.findall(text)
    for tok in jieba.lcut_for_search(CODE.sub(" ", text)):
        tok = tok.strip().strip(".")
        if tok and tok not in STOP and WORD.fullmatch(tok):
            tokens.append(tok)
    return tokens
