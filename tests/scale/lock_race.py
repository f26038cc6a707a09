"""Run by tests/scale/test_lock_store.py in the Rasa venv: workers, each with its own lock store (its own Redis
connection, as separate Rasa instances have), ask for the same conversation's lock at the same moment, round after
round. Prints how often two held it at once, how many were refused, and how many turns were served.

    .venv-rasa/bin/python tests/scale/lock_race.py rasa|atomic HOST PORT DB [ROUNDS]
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import uuid
from pathlib import Path

import redis
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project root, as `rasa run` has it

WORKERS = 2


def lock_store(kind: str, host: str, port: int, db: int, prefix: str):
    if kind == "rasa":
        return RedisLockStore(host=host, port=port, db=db, key_prefix=prefix)
    from bot.lock_store import AtomicRedisLockStore

    return AtomicRedisLockStore(EndpointConfig(url=host, port=port, db=db, key_prefix=prefix, type="x"))


def main() -> None:
    kind, host, port, db = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    prefix = f"locktest{uuid.uuid4().hex[:8]}"
    counts = {"overlaps": 0, "refused": 0, "served": 0}
    start = threading.Barrier(WORKERS)
    guard = threading.Lock()

    def worker() -> None:
        store, red = lock_store(kind, host, port, db, prefix), redis.Redis(host=host, port=port, db=db)

        async def turns() -> None:
            for n in range(rounds):
                start.wait()
                try:
                    async with store.lock(f"c{n}", wait_time_in_seconds=0.01):
                        if red.incr(f"{prefix}:inside:{n}") > 1:
                            with guard:
                                counts["overlaps"] += 1
                        await asyncio.sleep(0.02)  # the turn
                        red.decr(f"{prefix}:inside:{n}")
                    with guard:
                        counts["served"] += 1
                except LockError:
                    with guard:
                        counts["refused"] += 1

        asyncio.run(turns())

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    red = redis.Redis(host=host, port=port, db=db)
    for key in red.scan_iter(f"{prefix}*"):
        red.delete(key)
    print(json.dumps({**counts, "turns": rounds * WORKERS}))


if __name__ == "__main__":
    main()
