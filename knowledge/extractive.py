"""The extractive answer: the document sentences that answer a question, quoted as written with their citation.
No model is involved, so it is instant and cannot be talked into saying anything the store did not write."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embed import E5EmbeddingFunction, EmbeddingCache, embed_cached
from .index import CACHE_FILE, Index
from .injection import without_instructions
from .passages import Passage, passages
from .text import tokenize

MAX_QUOTED = 3  # passages in one answer
MAX_CHARS = 420  # of quoted text in one answer
NEIGHBOUR_MARGIN = 0.03  # a passage next to the best one joins the answer when it scores this close
LEXICAL_WEIGHT = 0.08  # the share of the question's words a passage (or its heading) contains, added to cosine
SHORT_PENALTY = 0.03  # a fragment ("See our shipping policy.") matches by its heading alone
SUMMARY_BONUS = 0.02  # a vague question ("return policy?") is best answered by a summary section
OPENS_YES_NO = re.compile(r"(?:yes|no)\b|(?:是的|不是|可以|不可以|不能|不行|没有|有的)[。，！,.!]", re.I)
SUMMARY = re.compile(r"short version|at a glance|summary|overview|一览|简要|概要|要点|简介", re.I)
# A page's contact section ("Questions about a return? Email us…") answers only a question about reaching the store;
# it shares the topic word with every other question about its page.
CONTACT_PENALTY = 0.03
CONTACT_SECTION = re.compile(r"(?:^|> )(?:contact(?: us)?|联系我们|how do i reach a human\?|怎么联系人工客服？)$", re.I)
# ...and is the first place to look for one that asks how to reach the store ("ur phone number pls")
ASKS_HOW_TO_REACH = re.compile(r"\b(?:contact|phone|call you|reach (?:you|a human|someone|a person)|talk to|speak to|"
                               r"customer service|human|agent)\b|联系方式|电话|客服|人工", re.I)
ASKS_CONTACT = re.compile(r"\b(?:contact|phone|call|e-?mail|reach|talk|speak|human|person|agent|hours|address|"
                          r"customer service|support)\b|联系|电话|邮箱|客服|人工|地址|几点", re.I)


@dataclass
class Extract:
    """The passages quoted, the chunk they come from, and the score of the best one."""

    passages: list[Passage]
    chunk_id: str
    score: float
    cosine: float
    lexical: float
    meta: dict | None = None  # the chunk's metadata, when not a document passage's (product_passages.py)

    @property
    def text(self) -> str:
        """The quoted passages, after the name of the section they sit in ("What isn't covered: Accidents…"),
        which often carries their meaning."""
        quoted = " ".join(p.text if p.text[-1] in ".!?。！？)）" else p.text + ("。" if _cjk(p.text) else ".")
                          for p in self.passages)
        section = self.passages[0].heading.rpartition(" > ")[2] if " > " in self.passages[0].heading else ""
        if section and section[-1] in "?？" and OPENS_YES_NO.match(quoted):
            # a FAQ answer's "Yes." answers its own question ("Do you ship to China?"), which the shopper must see
            # to not take it for an answer to theirs ("Do you ship to Brazil?")
            return f"{section}{'' if _cjk(section) else ' '}{quoted}"
        if not section or section[-1] in "?？" or quoted.lower().startswith(section.lower()):
            return quoted
        return f"{section}：{quoted}" if _cjk(quoted) else f"{section}: {quoted}"


def needs_follower(passage: Passage) -> bool:
    """A passage that does not answer on its own: a question, a lead-in ("If your payment is declined:"), or a
    fragment too short to say anything ("See our warranty page.")."""
    text = passage.text.rstrip()
    return text[-1:] in "?？:：" or len(text) < (12 if _cjk(text) else 30)


def _cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


class PassageIndex:
    """Every document passage of the index with its e5 embedding. Rebuilt when the index changes; embeddings come
    from the index's embedding cache (by text), so a restart embeds nothing already seen."""

    def __init__(self, index: Index, embedder: E5EmbeddingFunction | None = None):
        self.index = index
        self.embedder = embedder or E5EmbeddingFunction()
        self._lock = threading.Lock()
        self._version = -1
        self.items: list[tuple[Passage, dict]] = []  # (passage, its chunk's metadata)
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.tokens: list[set[str]] = []

    def refresh(self) -> None:
        with self._lock:
            if self._version == self.index.version:
                return
            got = self.index.col.get(where={"kind": "doc"}, include=["documents", "metadatas"])
            # text planted for the assistant ("ignore previous instructions…") is never quoted
            items = [(p, meta) for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])
                     for p in passages(cid, without_instructions(text))]
            texts = [f"{p.heading}: {p.text}" for p, _ in items]
            cache = EmbeddingCache(Path(self.index.path) / CACHE_FILE)  # the index's: one connection per thread
            try:
                matrix, _ = embed_cached(texts, cache, progress=False)
            finally:
                cache.close()
            self.items, self.matrix = items, matrix
            self.tokens = [set(tokenize(t)) for t in texts]
            self._version = self.index.version

    def embed_question(self, question: str) -> np.ndarray:
        return np.asarray(self.embedder.embed_query([question])[0], dtype=np.float32)

    def best(self, question: str, lang: str, vector: np.ndarray | None = None,
             chunks: set[str] | None = None) -> Extract | None:
        """The best passage in the asker's language (optionally only in `chunks`) and its close neighbours."""
        found = self.candidates(question, lang, vector, chunks, count=1)
        return found[0] if found else None

    def candidates(self, question: str, lang: str, vector: np.ndarray | None = None,
                   chunks: set[str] | None = None, count: int = 3) -> list[Extract]:
        """Up to `count` quotes, best first, each built around a passage no earlier quote contains: the choices
        the reader (reader.py) picks from when the best score alone is not sure enough."""
        self.refresh()
        if not self.items:
            return []
        scored = self._scored(question, lang, self.embed_question(question) if vector is None else vector, chunks)
        by_index = {i: s for s, i, _, _ in scored}
        out: list[Extract] = []
        taken: set[int] = set()
        for top_score, top, top_cos, top_lex in scored:
            if len(out) >= count:
                break
            if top in taken:
                continue
            chosen = self._around(top, top_score, by_index)
            taken.update(chosen)
            quoted = [self.items[i][0] for i in sorted(chosen, key=lambda j: self.items[j][0].position)]
            out.append(Extract(quoted, self.items[top][0].chunk_id, top_score, top_cos, top_lex))
        return out

    def _scored(self, question: str, lang: str, vector: np.ndarray,
                chunks: set[str] | None) -> list[tuple[float, int, float, float]]:
        """(score, item, cosine, lexical share) of every passage in `lang`, best first."""
        cosine = self.matrix @ vector
        wanted = set(tokenize(question))
        vague = len(wanted) <= 3
        # a contact section: first for how to reach the store, last unless the question is about reaching it
        contact_shift = (CONTACT_PENALTY if ASKS_HOW_TO_REACH.search(question)
                         else 0.0 if ASKS_CONTACT.search(question) else -CONTACT_PENALTY)
        scored = []
        for i, (p, meta) in enumerate(self.items):
            if meta.get("lang") != lang or (chunks is not None and p.chunk_id not in chunks):
                continue
            lexical = len(wanted & self.tokens[i]) / len(wanted) if wanted else 0.0
            score = float(cosine[i]) + LEXICAL_WEIGHT * lexical
            if len(p.text) < (15 if _cjk(p.text) else 40):
                score -= SHORT_PENALTY
            if CONTACT_SECTION.search(p.heading):
                score += contact_shift
            scored.append((score, i, float(cosine[i]), lexical))
        scored.sort(reverse=True)
        if vague and scored:
            # a vague question ("return policy?") is best answered by the summary of the page it is about: the page
            # of its best passage ("几点前要付款" is not about the returns page's summary)
            page = self.items[scored[0][1]][1].get("source")
            scored = sorted(((s + SUMMARY_BONUS if SUMMARY.search(self.items[i][0].heading)
                              and self.items[i][1].get("source") == page else s, i, c, lex)
                             for s, i, c, lex in scored), reverse=True)
        return scored

    def _around(self, top: int, top_score: float, by_index: dict[int, float]) -> list[int]:
        """The passage `top` with the close-scoring neighbours of its chunk, and the passages a lead-in needs."""
        best = self.items[top][0]
        chosen = [top]
        for i in sorted(by_index, key=lambda j: abs(self.items[j][0].position - best.position)):
            p = self.items[i][0]
            if len(chosen) >= MAX_QUOTED or i == top or p.chunk_id != best.chunk_id:
                continue
            if abs(p.position - best.position) <= 4 and by_index[i] >= top_score - NEIGHBOUR_MARGIN \
                    and sum(len(self.items[j][0].text) for j in chosen) + len(p.text) <= MAX_CHARS:
                chosen.append(i)
        if needs_follower(best):  # a FAQ question, a lead-in ending in ":" or a fragment: its answer comes next
            followers = sorted((i for i in by_index if self.items[i][0].chunk_id == best.chunk_id
                                and 0 < self.items[i][0].position - best.position <= MAX_QUOTED), key=lambda j:
                               self.items[j][0].position)
            for i in followers:
                if len(chosen) >= MAX_QUOTED + 1 or i in chosen or \
                        sum(len(self.items[j][0].text) for j in chosen) + len(self.items[i][0].text) > MAX_CHARS:
                    break
                chosen.append(i)
        return chosen

    def widened(self, extract: Extract, budget: int = MAX_CHARS) -> Extract:
        """The quote grown by the sentences next to it in its section, the following one first, while the whole
        stays within `budget` characters: once the reader has chosen a passage, the shopper gets the rule with
        its amounts and exceptions ("International shipping: … DHL … $24.95, free from $200 …"), not one clause."""
        if extract.meta is not None or not extract.passages:
            return extract  # a product's passage (product_passages.py) stands alone
        section = {p.position: p for p, _ in self.items if p.chunk_id == extract.chunk_id}
        kept = {p.position: p for p in extract.passages}
        size = sum(len(p.text) for p in kept.values())
        while True:
            grown = False
            for position in (max(kept) + 1, min(kept) - 1):
                p = section.get(position)
                if p is not None and size + len(p.text) <= budget:
                    kept[position], size, grown = p, size + len(p.text), True
                    break
            if not grown:
                break
        return Extract([kept[k] for k in sorted(kept)], extract.chunk_id, extract.score, extract.cosine,
                       extract.lexical, extract.meta)

    def meta(self, chunk_id: str) -> dict:
        return next((m for p, m in self.items if p.chunk_id == chunk_id), {})
