"""Fixtures for knowledge/: a real chromadb index over small fixture files, the real embedder and, for tests
marked `llm`, the real local model behind a real HTTP server."""
from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from pathlib import Path

import pytest
from aiohttp import web

from knowledge.config import Settings
from knowledge.index import Index
from knowledge.ingest import ingest

FIXTURES = Path(__file__).parent / "fixtures"


def copy_fixtures(dest: Path) -> Path:
    shutil.copytree(FIXTURES, dest)
    return dest


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Index:
    """An index over the fixture catalogue (JSONL and CSV with a field map) and documents of every format."""
    root = copy_fixtures(tmp_path_factory.mktemp("kn") / "fixtures")
    index = Index(root.parent / "index")
    stats = ingest(index, root / "catalog.jsonl", root / "docs", progress=False)
    ingest(index, root / "catalog.csv", None, "id=sku,name=title,description=summary,category=cat,price=cost",
           progress=False)
    index.errors = stats["errors"]
    return index


class ServerThread:
    """Runs an app from the factory on a free port in a background thread, like the real service."""

    def __init__(self, app: web.Application):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app)
        started = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not started.wait(300):
            raise RuntimeError("knowledge server did not start")

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def llm(settings):
    from knowledge.llm import build_chat_model

    try:
        return build_chat_model(settings)
    except (FileNotFoundError, ImportError) as exc:
        pytest.fail(f"the local model is not set up ({exc}): run `make knowledge-setup`")


@pytest.fixture(scope="session")
def service(fixture_index, settings, llm):
    """The real service (real index, embedder and model) on a free port."""
    from knowledge.server import init

    server = ServerThread(init(settings, index_dir=fixture_index.path, model=llm, warm_up=True))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def store_service(tmp_path_factory, settings, llm):
    """The real service over a copy of the demo store's index (data/index, built by `make setup`), with its
    prepared answers: the store shoppers actually ask about."""
    from knowledge.server import init

    source = Path(__file__).resolve().parents[2] / "data" / "index"
    if not (source / ".ingested").exists():
        pytest.fail("the demo store's index is missing: run `make knowledge-setup`")
    index_dir = tmp_path_factory.mktemp("store") / "index"
    shutil.copytree(source, index_dir)
    server = ServerThread(init(settings, index_dir=index_dir, model=llm, warm_up=True))
    server.index_dir = index_dir
    yield server
    server.stop()
