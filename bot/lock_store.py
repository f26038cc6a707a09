"""A Redis lock store for several Rasa instances: every change to a conversation's lock is one Redis transaction.

Rasa 3.6's own RedisLockStore reads a conversation's lock, changes it and writes it back in separate steps. Two
instances that receive a message for the same conversation at the same moment can both read "no lock", both issue
ticket 0 and both run the turn at once: the turns interleave and, with the SQL tracker store, one message's events
are lost (RasaHQ/rasa#9213; the fix upstream, ConcurrentRedisLockStore, is Rasa Pro only).
tests/scale/test_two_instances.py and tests/scale/test_lock_store.py show it. Here each read-change-write runs
under WATCH/MULTI/EXEC, retried when another instance changed the lock first, and the last ticket holder deletes
the lock in the same transaction. bot/endpoints.scale.yml loads it (`type: bot.lock_store.AtomicRedisLockStore`).
"""

from __future__ import annotations

import json
from typing import Callable, Optional, Tuple, TypeVar

from rasa.core import lock_store
from rasa.core.lock import TicketLock
from rasa.utils.endpoints import EndpointConfig

Result = TypeVar("Result")


class AtomicRedisLockStore(lock_store.RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Same settings as Rasa's `type: redis` (url, port, db, password, key_prefix, use_ssl, socket_timeout).
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str,
                change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]) -> Result:
        """Apply `change` to the stored lock atomically; a returned lock of None deletes it."""
        key = self.key_prefix + conversation_id

        def attempt(pipe) -> Result:
            stored = pipe.get(key)
            lock, result = change(TicketLock.from_dict(json.loads(stored)) if stored else None)
            pipe.multi()
            if lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        return self.red.transaction(attempt, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = lock_store.LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise lock_store.LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def prune(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, prune)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; the lock goes only if nobody else holds a ticket, decided in the same step."""
        def release(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, release)
