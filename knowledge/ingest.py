"""`python -m knowledge ingest`: read, chunk and index; incremental; bad files are reported and skipped."""
from __future__ import annotations

from pathlib import Path

from .index import Index
from .loaders import Unit, catalog_units, document_units, parse_field_map


def ingest(index: Index, catalog: Path | None = None, docs: Path | None = None, field_map: str | None = None,
           reset: bool = False, progress: bool = True) -> dict:
    """Index a catalogue and/or a folder of documents: only new and changed units are embedded, and units gone
    from these sources are dropped. Returns counts plus "errors", the files and rows that were skipped."""
    errors: list[str] = []
    units: list[Unit] = []
    origins: set[str] = set()
    if reset:
        index.reset()
    if catalog:
        try:
            units += catalog_units(Path(catalog), parse_field_map(field_map), errors)
            origins.add(str(Path(catalog).resolve()))
        except Exception as exc:  # an unreadable catalogue is reported; nothing of it is deleted
            errors.append(f"{catalog}: {type(exc).__name__}: {exc}")
    if docs:
        units += document_units(Path(docs), errors)
        origins.add(str(Path(docs).resolve()))
    stats = index.ingest(units, origins, progress=progress)
    stats["errors"] = errors
    return stats
