"""Answers prepared ahead of time: at ingest the local model writes the questions each policy chunk answers, with
their answers; each pair passes the same checks as a live answer and keeps its chunk as the citation. At run time a
shopper's question that closely matches a prepared one, with its numbers and named things agreeing, is served at
once. Pairs are stored by the chunk's text digest, so they survive re-chunking and are rewritten only when the
text they came from changes."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from tqdm import tqdm

from .checks import _methods, _numbers, check, strip_citations
from .embed import E5EmbeddingFunction
from .index import Index
from .text import tokenize

PAIRS_PER_CHUNK = 3
WRITE_TOKENS = 150  # three short pairs; decoding is ~10 tokens/s on two cores
ANSWER_OWN_WORDS = 0.8  # share of a prepared answer's words that must be the section's own
MIN_CHARS = 120  # a chunk shorter than this (a heading and a line) answers nothing worth preparing
MATCH_MIN = 0.935  # cosine between the shopper's question and a prepared one (e5 query embeddings)
RARE_CHUNKS = 2  # a word found in at most this many chunks names a specific thing: it must agree

WRITE = ChatPromptTemplate.from_messages([
    ("system", "You write the FAQ of an online store from its policy documents. Use only facts stated in the "
               "section you are given; copy numbers, prices and names exactly."),
    ("human", "Section:\n{section}\n\nWrite {n} different questions a shopper could ask that this section answers, "
              "each with a one-sentence answer taken from the section. Write both in {language}. Use exactly this "
              "format:\nQ: <question>\nA: <answer>"),
])
LANGUAGE = {"en": "English", "zh": "Simplified Chinese (简体中文)"}
PAIR = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:\*\*)?(?:Q|问)\s*[:：](?:\*\*)?\s*(.+?)\s*\n\s*(?:\*\*)?(?:A|答)\s*[:：]"
                  r"(?:\*\*)?\s*(.+?)\s*$", re.M)


def digest(text: str) -> str:
    """The key a prepared pair is stored under: its chunk's text."""
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class PreparedAnswer:
    digest: str  # of the chunk text it answers from
    lang: str
    source: str
    question: str
    answer: str


def read_pairs(paths: Iterable[Path]) -> list[PreparedAnswer]:
    """Every pair in these JSONL files (missing files are skipped; later files win on the same question)."""
    found: dict[tuple[str, str], PreparedAnswer] = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                pair = PreparedAnswer(**json.loads(line))
                found[(pair.digest, pair.question)] = pair
    return list(found.values())


def write_pairs(path: Path, pairs: Iterable[PreparedAnswer]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(asdict(p), ensure_ascii=False) + "\n"
                           for p in sorted(pairs, key=lambda p: (p.source, p.digest, p.question))), encoding="utf-8")
    tmp.replace(path)


def parse_pairs(raw: str) -> list[tuple[str, str]]:
    return [(q.strip(), strip_citations(a).strip()) for q, a in PAIR.findall(raw)]


def write_for_chunk(model: BaseChatModel, text: str, lang: str, source: str, n: int = PAIRS_PER_CHUNK
                    ) -> list[PreparedAnswer]:
    """The model's question/answer pairs for one chunk that pass the checks a live answer must pass."""
    chain = WRITE | model.bind(max_tokens=WRITE_TOKENS)
    raw = chain.invoke({"section": text, "n": n, "language": LANGUAGE.get(lang, "English")}).content
    key, out = digest(text), []
    for question, answer in parse_pairs(raw):
        if not question or not answer or len(answer) > 400 or "?" in answer or "？" in answer \
                or not re.search(r"[.!。！)）]$", answer):  # a pair cut off by the token limit is dropped
            continue
        if lang == "zh" and not re.search(r"[\u4e00-\u9fff]", question + answer):
            continue
        pair = PreparedAnswer(key, lang, source, question, answer)
        if grounded(pair, text):
            out.append(pair)
    return out


def grounded(pair: PreparedAnswer, text: str) -> bool:
    """The checks a live answer passes, and stricter: nearly every word of the answer is the section's own, so a
    pair served without the model says only what the store wrote."""
    if not pair.question or not check(pair.answer, [text], pair.question).supported:
        return False
    words = [t for t in tokenize(pair.answer) if not t.isdigit()]
    own = set(tokenize(text))
    return bool(words) and sum(t in own for t in words) / len(words) >= ANSWER_OWN_WORDS


def prepare(index: Index, model: BaseChatModel | None, cache: Path | None = None, exclude: set[str] = frozenset(),
            progress: bool = True, only: str | None = None) -> dict:
    """Give every document chunk of the index its prepared pairs: reuse the index's own and the `cache` file's
    (by chunk text), write the rest (those from sources containing `only`) with `model` (skipped when None).
    Questions in `exclude` (normalised) are
    dropped, so an evaluation set is never among them. Writes prepared.jsonl in the index folder."""
    got = index.col.get(where={"kind": "doc"}, include=["documents", "metadatas"])
    chunks = {digest(text): (text, meta) for text, meta in zip(got["documents"], got["metadatas"])}
    own = Path(index.path) / "prepared.jsonl"
    known = [p for p in read_pairs(([cache] if cache else []) + [own]) if p.digest in chunks
             and (not p.question or grounded(p, chunks[p.digest][0]))]  # re-checked: the checks may have grown
    done = {p.digest for p in known}
    todo = [d for d in chunks if d not in done and (not only or only in chunks[d][1].get("source", ""))]
    written = 0
    if model is not None and todo:
        for key in tqdm(todo, desc="preparing answers", unit="chunk", disable=not progress):
            text, meta = chunks[key]
            pairs = write_for_chunk(model, text, meta.get("lang", "en"), meta.get("source", "")) \
                if len(text) >= MIN_CHARS else []
            # an empty pair marks a chunk the model found nothing checkable in, so it is not asked again
            known += pairs or [PreparedAnswer(key, meta.get("lang", "en"), meta.get("source", ""), "", "")]
            written += len(pairs)
            write_pairs(own, [p for p in known if normal(p.question) not in exclude])  # progress survives a stop
    kept = [p for p in known if not p.question or normal(p.question) not in exclude]
    write_pairs(own, kept)
    return {"chunks": len(chunks), "pairs": sum(bool(p.question) for p in kept), "written": written,
            "chunks_not_prepared": len(set(chunks) - {p.digest for p in kept})}


def normal(question: str) -> str:
    """A question compared loosely: case, spaces and punctuation ignored."""
    return re.sub(r"[\W_]+", "", question.lower())


@dataclass
class Match:
    pair: PreparedAnswer
    chunk_id: str
    meta: dict
    similarity: float


class PreparedAnswers:
    """The prepared pairs of an index, matched against shoppers' questions."""

    def __init__(self, index: Index, embedder: E5EmbeddingFunction | None = None):
        self.index = index
        self.embedder = embedder or E5EmbeddingFunction()
        self.path = Path(index.path) / "prepared.jsonl"
        self._lock = threading.Lock()
        self._version: tuple[int, float] = (-1, 0.0)
        self.pairs: list[tuple[PreparedAnswer, str, dict]] = []  # (pair, chunk id, chunk metadata)
        self.matrix = np.zeros((0, 384), dtype=np.float32)
        self.chunk_frequency: dict[str, int] = {}

    def refresh(self) -> None:
        stamp = (self.index.version, self.path.stat().st_mtime if self.path.exists() else 0.0)
        with self._lock:
            if stamp == self._version:
                return
            got = self.index.col.get(where={"kind": "doc"}, include=["documents", "metadatas"])
            chunks = {digest(t): (cid, m) for cid, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
            self.pairs = [(p, *chunks[p.digest]) for p in read_pairs([self.path]) if p.digest in chunks and p.question]
            questions = [p.question for p, _, _ in self.pairs]
            vectors = [self.embedder.embed_query(questions[i:i + 64]) for i in range(0, len(questions), 64)]
            self.matrix = (np.asarray([v for batch in vectors for v in batch], dtype=np.float32)
                           if questions else np.zeros((0, 384), dtype=np.float32))
            frequency: dict[str, int] = {}
            for tokens in self.index.lexical.values():
                for t in set(tokens):
                    frequency[t] = frequency.get(t, 0) + 1
            self.chunk_frequency = frequency
            self._version = stamp

    def agrees(self, question: str, pair: PreparedAnswer) -> bool:
        """Numbers, payment methods and rare words of the question all appear in the prepared question or its
        answer: "within 60 days" never gets the answer prepared for "within 30 days"."""
        said = f"{pair.question}\n{pair.answer}"
        if not _numbers(question) <= _numbers(said) or not _methods(question) <= _methods(said):
            return False
        theirs = set(tokenize(said))
        rare = [t for t in tokenize(question) if not t.isdigit() and len(t) > 1
                and self.chunk_frequency.get(t, 0) <= RARE_CHUNKS]
        return all(t in theirs for t in rare)

    def match(self, question: str, lang: str, vector: np.ndarray) -> Match | None:
        """The closest prepared pair in the asker's language, if close enough and in agreement."""
        self.refresh()
        if not self.pairs:
            return None
        similarity = self.matrix @ vector
        for i in np.argsort(-similarity)[:5]:
            pair, chunk_id, meta = self.pairs[i]
            if similarity[i] < MATCH_MIN:
                break
            if pair.lang == lang and self.agrees(question, pair):
                return Match(pair, chunk_id, meta, float(similarity[i]))
        return None
