"""The databases the running services create hold shoppers' data and are their owner's only (0600), as under
`make run`: conversations (tracker.db), every event (events.db), orders and customers (store.db), the desk's
handoffs (desk.db), card clicks (copy_events.db) and ratings (conversation_ratings.db)."""

import os
import stat
from pathlib import Path

import pytest

pytestmark = pytest.mark.stack

ALWAYS = ("tracker.db", "events.db", "store.db", "desk.db")
WHEN_USED = ("copy_events.db", "conversation_ratings.db", "erasure_queue.db", "verify_lockout.db")


def test_the_stack_databases_are_private(stack, sender):
    stack.say(sender, "where is my order TP10001?")
    stack.say(sender, "show me rain jackets")
    folder = Path(stack.env["TRACKER_DB"]).parent
    for name in ALWAYS:
        assert (folder / name).exists(), name
    for path in [folder / name for name in ALWAYS + WHEN_USED] + list(folder.glob("*.db-*")):
        if path.exists():
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
