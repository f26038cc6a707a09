"""Killing one server of a running stack (scripts/stack.py) with SIGKILL and starting it again as it was: same
command, same environment, same port and data files."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Callable, List

import requests

from scripts.stack import Service, Stack

READY_S = {"rasa": 300, "knowledge": 400}  # loading the model; the others start in seconds


def service(stack: Stack, name: str) -> Service:
    """The stack's running server called `name` (a restarted one keeps its name with a suffix)."""
    return next(s for s in reversed(stack.services) if s.name.split("-")[0] == name)


def process_tree(pid: int) -> List[int]:
    """`pid` and its descendants (the action server's Sanic manager runs the actions in a worker process)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid] + [descendant for child in children for descendant in process_tree(int(child))]


def kill(stack: Stack, name: str) -> Service:
    """SIGKILL to the server and every process it started, as a crash or the OOM killer would: no shutdown code
    runs, and no worker lives on to answer."""
    victim = service(stack, name)
    for pid in process_tree(victim.proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    victim.proc.wait(timeout=30)
    return victim


def ready_check(stack: Stack, name: str) -> Callable[[], bool]:
    if name == "rasa":
        return lambda: requests.post(f"{stack.rasa_url}/model/parse", json={"text": "hi"}, timeout=30,
                                     params={"token": stack.rasa_token}).ok
    url = {"actions": stack.action_url, "knowledge": stack.knowledge_url, "webchat": stack.webchat_url,
           "desk": stack.desk_url}[name]
    return lambda: requests.get(f"{url}/health", timeout=2).ok


def restart(stack: Stack, killed: Service) -> Service:
    """The killed server started again with its own command line and the stack's environment, once it answers."""
    name = killed.name.split("-")[0]
    again = Service(f"{name}-{len(stack.services)}", list(killed.proc.args), stack.env, killed.log_path.parent)
    stack.services.append(again)  # stopped with the others when the stack ends
    again.wait_until(ready_check(stack, name), READY_S.get(name, 60))
    return again
