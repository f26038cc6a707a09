"""Starting the real servers (Rasa, actions, knowledge, web chat, agent desk) on their own ports, for tests.

They run with a fresh copy of the demo store and an empty tracker database, so they never touch a
running `make run`.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "tidepool.tar.gz"
STORE_DIR = ROOT / "data" / "store"
KNOWLEDGE_INDEX = ROOT / "data" / "index"  # built by `make setup` (knowledge/knowledge.mk)


def free_port() -> int:
    """A port nobody listens on now, so parallel test runs and `make run` never collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """A server process whose output goes to a log file that is shown if it fails to start."""

    def __init__(self, name: str, cmd: List[str], env: Dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")
        # umask 077, as under `make run` (supervisord.conf): the databases it creates are its owner's only. Its own
        # session: the action server's Sanic manager, stopped twice, SIGKILLs its whole process group, which would
        # otherwise include the test runner.
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, umask=0o077,
                                     start_new_session=True)

    def wait_until(self, ready, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        tail = self.log_path.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"{self.name} did not become ready:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


@dataclass
class Reply:
    """What the bot answered to one REST turn, split by kind."""

    messages: List[Dict[str, Any]]

    @property
    def texts(self) -> List[str]:
        return [m["text"] for m in self.messages if m.get("text")]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> List[Dict[str, str]]:
        return [b for m in self.messages for b in m.get("buttons", [])]

    def custom(self, kind: str) -> Optional[Dict[str, Any]]:
        return next((m["custom"] for m in self.messages if (m.get("custom") or {}).get("type") == kind), None)


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    knowledge_url: str
    webchat_url: str
    desk_url: str
    store_db: Path
    env: Dict[str, str]
    double_ports: Dict[str, int] = field(default_factory=dict)  # platform -> port its test double must use
    services: List[Service] = field(default_factory=list)

    def say(self, sender: str, text: str) -> Reply:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        response.raise_for_status()
        return Reply(response.json())

    @property
    def rasa_token(self) -> str:
        return self.env["RASA_TOKEN"]

    def parse(self, text: str) -> Dict[str, Any]:
        response = requests.post(f"{self.rasa_url}/model/parse", json={"text": text}, timeout=60,
                                 params={"token": self.rasa_token})
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> Dict[str, Any]:
        """Rasa's tracker of one conversation (its HTTP API needs the token)."""
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=30,
                                params={"token": self.rasa_token})
        response.raise_for_status()
        return response.json()


# Messaging platforms the connectors talk to; in tests, a double of each listens on its own loopback port
# (tests/connectors/doubles/), and these test secrets sign its webhooks.
PLATFORMS = ("telegram", "whatsapp", "messenger", "slack", "wechat")


def platform_environment(ports: Dict[str, int]) -> Dict[str, str]:
    """The connectors' settings pointing at the platform doubles, with fixed test secrets."""
    return {
        "TELEGRAM_BOT_TOKEN": "123456:test-telegram-token",
        "TELEGRAM_SECRET_TOKEN": "test-telegram-secret",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{ports['telegram']}",
        "WHATSAPP_ACCESS_TOKEN": "test-whatsapp-access-token",
        "WHATSAPP_APP_SECRET": "test-whatsapp-app-secret",
        "WHATSAPP_VERIFY_TOKEN": "test-whatsapp-verify",
        "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "WHATSAPP_API_URL": f"http://127.0.0.1:{ports['whatsapp']}/v21.0",
        "MESSENGER_PAGE_ACCESS_TOKEN": "test-messenger-page-token",
        "MESSENGER_APP_SECRET": "test-messenger-app-secret",
        "MESSENGER_VERIFY_TOKEN": "test-messenger-verify",
        "MESSENGER_API_URL": f"http://127.0.0.1:{ports['messenger']}/v21.0",
        "SLACK_BOT_TOKEN": "xoxb-test-slack-token",
        "SLACK_SIGNING_SECRET": "test-slack-signing-secret",
        "SLACK_API_URL": f"http://127.0.0.1:{ports['slack']}/api/",
        "WECHAT_APP_ID": "wx0123456789abcdef",
        "WECHAT_APP_SECRET": "test-wechat-app-secret",
        "WECHAT_TOKEN": "testwechattoken",
        "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "WECHAT_API_URL": f"http://127.0.0.1:{ports['wechat']}",
    }


def _environment(tmp: Path, ports: Dict[str, int]) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        HF_HUB_OFFLINE="1",
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
        KNOWLEDGE_URL=f"http://127.0.0.1:{ports['KNOWLEDGE_PORT']}",
        TRACKER_DB=str(tmp / "tracker.db"),
        STORE_DB=str(tmp / "store.db"),
        COPY_EVENTS_DB=str(tmp / "copy_events.db"),
        ERASURE_QUEUE_DB=str(tmp / "erasure_queue.db"),  # "forget me" requests (shop/erasure.py)
        VERIFY_LOCKOUT_DB=str(tmp / "verify_lockout.db"),
        CONVERSATION_RATINGS_DB=str(tmp / "conversation_ratings.db"),
        STORE_DATA_DIR=str(STORE_DIR),
        EVENTS_DB=str(tmp / "events.db"),
        EVENTS_DATABASE_URL=f"sqlite:///{tmp / 'events.db'}",
        DESK_EVENTS="",  # the desk follows the SQL broker table above, even under `make test PROFILE=scale`
        DESK_DATABASE_URL=f"sqlite:///{tmp / 'desk.db'}",
        DESK_URL=f"http://127.0.0.1:{ports['DESK_PORT']}",
        RASA_URL=f"http://127.0.0.1:{ports['RASA_PORT']}",
        DESK_SERVICE_TOKEN=secrets.token_urlsafe(24),
        RASA_TOKEN=secrets.token_urlsafe(24),
        ACTION_TOKEN=secrets.token_urlsafe(24),
        WEBCHAT_SESSION_SECRET=secrets.token_urlsafe(32),  # signs the web chat's cookies and socket.io tickets
        DESK_SECRET_KEY=secrets.token_urlsafe(32),
        DESK_OPEN_HOURS=os.environ.get("DESK_OPEN_HOURS", "always"),  # tests choose; the clock does not
        DESK_FEED_POLL_S="0.1",
        **{name: str(port) for name, port in ports.items()},
    )
    return env


def rasa_service(name: str, port: int, env: Dict[str, str], log_dir: Path, endpoints: str = "bot/endpoints.yml",
                 cors: str = "") -> Service:
    """`rasa run` on loopback with the trained model, its HTTP API behind env's RASA_TOKEN (bot/endpoints.yml, or
    bot/endpoints.scale.yml for several instances)."""
    cmd = [str(RASA_BIN), "run", "--enable-api", "--auth-token", env["RASA_TOKEN"], "--interface", "127.0.0.1",
           "--model", str(MODEL), "--endpoints", endpoints, "--credentials", "bot/credentials.yml",
           "--port", str(port), "--logging-config-file", "bot/logging.yml"]
    # PYTHONPATH: bot/logging.yml's redacting filter is imported before Rasa puts the project on sys.path.
    return Service(name, cmd + (["--cors", cors] if cors else []), {**env, "PYTHONPATH": str(ROOT)}, log_dir)


def wait_for_rasa(rasa: Service, url: str, token: str, timeout_s: float = 300) -> None:
    """Ready once it parses a message (the first parse also warms up jieba's dictionary)."""
    rasa.wait_until(lambda: requests.post(f"{url}/model/parse", json={"text": "hi"}, timeout=30,
                                          params={"token": token}).ok, timeout_s)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database a SQLAlchemy URL names, unless it exists (the scale-out profile's)."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            if not db.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": target.database}).first():
                db.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


@contextmanager
def running_stack(tmp: Path) -> Iterator[Stack]:
    """Start actions, Rasa and the web chat; stop them on exit. Rasa takes about a minute."""
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make setup`")
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEBCHAT_PORT", "KNOWLEDGE_PORT", "DESK_PORT")}
    rasa_port, action_port, webchat_port = ports["RASA_PORT"], ports["ACTION_PORT"], ports["WEBCHAT_PORT"]
    double_ports = {platform: free_port() for platform in PLATFORMS}
    env = _environment(tmp, ports)
    env.update(platform_environment(double_ports))
    subprocess.run(
        [sys.executable, "-m", "shop.store", "load", "--db", env["STORE_DB"]],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    s = Stack(
        rasa_url=rasa_url,
        action_url=f"http://127.0.0.1:{action_port}",
        knowledge_url=env["KNOWLEDGE_URL"],
        webchat_url=f"http://127.0.0.1:{webchat_port}",
        desk_url=env["DESK_URL"],
        store_db=Path(env["STORE_DB"]),
        env=env,
        double_ports=double_ports,
    )
    actions = Service(
        "actions",
        [sys.executable, "-m", "actions.server", "--port", str(action_port)],
        env,
        tmp,
    )
    rasa = rasa_service("rasa", rasa_port, env, tmp, cors=f"http://127.0.0.1:{webchat_port}")
    webchat = Service(
        "webchat",
        [sys.executable, "-m", "connectors.webchat", "--port", str(webchat_port), "--rasa-url", rasa_url],
        env,
        tmp,
    )
    knowledge = Service(
        "knowledge",
        [
            sys.executable,
            "-m",
            "knowledge",
            "serve",
            "--port",
            str(ports["KNOWLEDGE_PORT"]),
            "--index",
            str(KNOWLEDGE_INDEX),
        ],
        env,
        tmp,
    )
    desk = Service("desk", [sys.executable, "-m", "desk", "serve", "--port", str(ports["DESK_PORT"])], env, tmp)
    s.services = [actions, rasa, webchat, knowledge, desk]
    try:
        knowledge.wait_until(lambda: requests.get(f"{s.knowledge_url}/health", timeout=2).ok, 400)
        actions.wait_until(lambda: requests.get(f"{s.action_url}/health", timeout=2).ok, 60)
        webchat.wait_until(lambda: requests.get(f"{s.webchat_url}/health", timeout=2).ok, 60)
        desk.wait_until(lambda: requests.get(f"{s.desk_url}/health", timeout=2).ok, 60)
        wait_for_rasa(rasa, rasa_url, env["RASA_TOKEN"])
        yield s
    finally:
        for service in reversed(s.services):
            service.stop()
