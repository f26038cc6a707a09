"""An agent at the desk, as tests and benchmarks drive it: an account made with the desk's own CLI, a signed-in HTTP
session with its CSRF token, and the live stream held open (which is what makes the agent "online")."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterator, List

import requests

from scripts.stack import ROOT, Stack

PASSWORD = "test password 1234"


def add_agent(stack: Stack, name: str, role: str = "agent") -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@store.example"
    subprocess.run([sys.executable, "-m", "desk", "agents", "add", "--email", email, "--name", name, "--role", role,
                    "--password-stdin"], input=PASSWORD + "\n", text=True, cwd=ROOT, env=stack.env, check=True,
                   capture_output=True)
    return email


class DeskAgent:
    def __init__(self, stack: Stack, email: str, password: str = PASSWORD) -> None:
        self.base = stack.desk_url
        self.http = requests.Session()
        token = self.http.get(f"{self.base}/api/session", timeout=10).json()["csrf_token"]
        reply = self.http.post(f"{self.base}/api/login", json={"email": email, "password": password},
                               headers={"X-CSRF-Token": token}, timeout=30)
        reply.raise_for_status()
        self.agent = reply.json()["agent"]
        self.csrf = reply.json()["csrf_token"]
        self.events: List[tuple[float, str]] = []
        self._stream: requests.Response | None = None

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=60, **kwargs)

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return self.http.post(f"{self.base}{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}, timeout=120)

    @contextmanager
    def online(self) -> Iterator["DeskAgent"]:
        """Hold the desk's live stream open in a thread (the agent is online) and record its events."""
        self._stream = self.http.get(f"{self.base}/api/stream", stream=True, timeout=(5, None))

        def read() -> None:
            try:
                for line in self._stream.iter_lines(decode_unicode=True):
                    if line and line.startswith("event:"):
                        self.events.append((time.monotonic(), line.split(":", 1)[1].strip()))
            except (requests.RequestException, AttributeError, ValueError):
                pass

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            yield self
        finally:
            self._stream.close()
            reader.join(timeout=5)
            time.sleep(0.3)  # the desk notices the closed stream: the agent is offline again

    def waiting_for(self, conversation_id: str, timeout_s: float = 60) -> dict:
        """The conversation's handoff once it is in the queue."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for handoff in self.get("/api/inbox").json()["waiting"]:
                if handoff["conversation_id"] == conversation_id:
                    return handoff
            time.sleep(0.1)
        raise AssertionError(f"{conversation_id} never reached the queue")
