"""A document chunk as the shopper may read it: whole sentences, list items and table rows, markdown removed.
The extractive answer and the prepared answers quote these, so nothing shown is ever cut mid-word or raw."""
from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|no|St|Mr|Ms|Dr|U\.S)\.$", re.I)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-Z0-9])|(?<=[。！？])")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|`)(.+?)\1")


@dataclass(frozen=True)
class Passage:
    """One quotable piece of a chunk: `text` as shown, `heading` the section it sits under."""

    chunk_id: str
    position: int
    heading: str
    text: str


def plain(text: str) -> str:
    """Markdown emphasis, links and code marks removed; whitespace collapsed."""
    text = LINK.sub(r"\1", text)
    text = EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def unwrap(text: str) -> str:
    """Re-join the hard-wrapped lines of a paragraph or list item; table rows and new items stay lines."""
    out: list[str] = []
    for line in text.split("\n"):
        s = line.strip()
        if out and s and out[-1].strip() and not out[-1].lstrip().startswith("|") \
                and not re.match(r"[>|#*-]|\d+\.", s):
            joiner = "" if re.search(r"[\u3000-\u9fff，。：；！？）]$", out[-1]) else " "
            out[-1] = out[-1].rstrip() + joiner + s
        else:
            out.append(line)
    return "\n".join(out)


def sentences(paragraph: str) -> list[str]:
    """A paragraph split into sentences, not at abbreviations such as "e.g."."""
    parts: list[str] = []
    for piece in SENTENCE_END.split(paragraph):
        if not piece or not piece.strip():
            continue
        if parts and ABBREVIATIONS.search(parts[-1]):
            parts[-1] += " " + piece.strip()
        else:
            parts.append(piece.strip())
    return parts


def _cells(row: str) -> list[str]:
    return [plain(c) for c in row.strip().strip("|").split("|")]


def table_row(header: list[str], row: list[str]) -> str:
    """A table row as a sentence that keeps its column names: "Express: Cost: $14.95; Delivery: 2-3 days"."""
    if not header or len(header) != len(row):
        return "; ".join(c for c in row if c)
    if re.search(r"[\u4e00-\u9fff]", "".join(row)):
        pairs = [f"{h}：{c}" for h, c in zip(header[1:], row[1:]) if c]
        return f"{row[0]}（{'；'.join(pairs)}）" if pairs else row[0]
    pairs = [f"{h}: {c}" for h, c in zip(header[1:], row[1:]) if c]
    return f"{row[0]} ({'; '.join(pairs)})" if pairs else row[0]


def passages(chunk_id: str, text: str) -> list[Passage]:
    """The quotable pieces of one chunk (its first line is the heading path the loader wrote)."""
    heading, _, body = text.partition("\n")
    out: list[str] = []
    header: list[str] = []
    for line in unwrap(body).split("\n"):
        s = line.strip()
        if not s:
            continue
        if s.startswith("|"):
            cells = _cells(s)
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            if not header:
                header = cells
                continue
            out.append(table_row(header, cells))
            continue
        header = []
        item = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", s)
        if item.startswith("#"):
            continue
        out.extend(sentences(plain(item)))
    return [Passage(chunk_id, i, plain(heading), p) for i, p in enumerate(out) if len(p) > 1]
