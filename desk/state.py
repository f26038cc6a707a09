"""What every desk request handler shares: settings, the database, Rasa, the live hub and the handoff flow."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from aiohttp import web
from sqlalchemy.engine import Engine

from desk import accounts, messages
from desk.flow import HandoffFlow
from desk.live import LiveHub
from desk.rasa_api import RasaAPI


@dataclass
class Settings:
    database_url: str
    rasa_url: str
    knowledge_url: str
    events_url: str
    store_data_dir: Path
    open_hours: str
    service_token: str
    secret_key: str
    rasa_token: str = ""
    secure_cookies: bool = False
    login_attempts: int = 5
    login_window_s: float = 300.0
    online_grace_s: float = 20.0
    feed_poll_s: float = 0.2
    events_queue: str = "tidepool_desk_events"  # when events_url is amqp://: the RabbitMQ queue to consume


@dataclass
class Desk:
    settings: Settings
    engine: Engine
    rasa: RasaAPI
    hub: LiveHub
    flow: HandoffFlow
    _store_files: dict = field(default_factory=dict)  # file name -> (mtime, parsed content)

    def online_agents(self) -> set[int]:
        """Agents with a desk page open here, or seen lately by another desk instance."""
        recent = time.time() - self.settings.online_grace_s
        elsewhere = {a.id for a, seen in accounts.all_agents(self.engine) if seen and seen >= recent}
        return self.hub.online() | elsewhere

    def _store_file(self, name: str, parse, empty):
        """An operator-edited file in the store folder, parsed once and again only after it changes."""
        path = self.settings.store_data_dir / name
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return empty
        cached = self._store_files.get(name)
        if cached is None or cached[0] != mtime:
            cached = self._store_files[name] = (mtime, parse(path))
        return cached[1]

    def reason_label(self, reason: str) -> str:
        if reason.startswith("rule:"):
            rule = self._store_file("handoff_rules.yml", load_rules, {}).get(reason.removeprefix("rule:"), {})
            label = rule.get("label")
            return (label.get("en") if isinstance(label, dict) else label) or f"Store rule: {reason[5:]}"
        return messages.REASON_LABELS.get(reason, reason.replace("_", " ").capitalize())

    def canned_replies(self) -> list[dict]:
        """data/store/canned_replies.yml, re-read when the operator edits it."""
        return self._store_file("canned_replies.yml", load_canned, [])


def load_rules(path: Path) -> dict:
    """The operator's handoff rules by name (data/store/handoff_rules.yml), for their labels."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {r["name"]: r for r in data.get("rules", []) if isinstance(r, dict) and "name" in r}


def load_canned(path: Path) -> list[dict]:
    """Canned replies: each with an id and an English and Chinese title and text."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [r for r in data.get("replies", []) if isinstance(r, dict) and {"id", "title", "text"} <= set(r)]


DESK = web.AppKey("desk", Desk)
