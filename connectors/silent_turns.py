"""No silent turns: when one of our actions could not run (the action server down or restarting, or it answered
with an error), the shopper is told so instead of getting no reply at all.

Rasa 3.6 logs such a failure, drops the action's events and carries on (`MessageProcessor._run_action`): the shopper
got `200 []` on REST and nothing on socket.io. A channel wraps the `on_new_message` Rasa gives it with
`SilentTurnGuard.wrap`; after each turn the guard looks at the conversation and, if an action of ours ran and
produced nothing at all (what a failed call leaves) and the conversation is not paused for a person, it has Rasa say
OUTAGE_RESPONSE (a domain response: Rasa renders it without the action server) on the same output channel, so it is
in the transcript and the next turn starts from a normal state. When the failed action was a form, Rasa's fallback
may already have said "Sorry, I didn't quite get that"; the outage reply then says why.

Runs inside the Rasa server (Python 3.10 venv): imports rasa and sanic.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, List, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic

log = logging.getLogger(__name__)

OUTAGE_RESPONSE = "utter_knowledge_unavailable"  # "I can't look that up right now. Please try again in a moment…"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _latest_turn(tracker: DialogueStateTracker) -> List[Event]:
    """The events since the bot last listened before the shopper's latest message: that message's turn, with the
    start of a new session when the message opened one (action_session_start is ours too)."""
    turn: List[Event] = []
    for event in reversed(tracker.events):
        listened = isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME
        if listened and any(isinstance(seen, UserUttered) for seen in turn):
            break
        turn.append(event)
    return turn[::-1]


def action_failed(tracker: DialogueStateTracker, domain: Domain) -> bool:
    """Whether, in the latest turn, one of our actions (a custom action, or a form, which validates through the action
    server) ran and produced nothing at all, not even a message: the trace Rasa leaves of a failed call. Every
    action of ours says something or sets something when it works. Never while a person has the conversation (it
    is paused, and the bot is meant to be quiet)."""
    if tracker.is_paused():
        return False
    turn = _latest_turn(tracker)
    ours = {name for name in domain.user_actions_and_forms if not name.startswith("utter_")}
    return any(
        isinstance(event, ActionExecuted) and event.action_name in ours
        and (following is None or isinstance(following, (ActionExecuted, UserUttered)))
        for event, following in zip(turn, [*turn[1:], None])
    )


class SilentTurnGuard:
    """Wraps a channel's `on_new_message` (see the module doc). `watch(blueprint)` lets it find Rasa's agent."""

    def __init__(self) -> None:
        self.app: Optional[Sanic] = None

    def watch(self, blueprint: Blueprint) -> None:
        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self.app = app

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def handle(message: UserMessage) -> Any:
            result = await on_new_message(message)
            agent = getattr(getattr(self.app, "ctx", None), "agent", None)
            if agent is not None and message.sender_id:
                try:
                    await answer_if_silent(agent, message)
                except Exception:  # the turn itself went through; never turn a quiet turn into a server error
                    log.exception("could not tell %s that an action failed", message.sender_id)
            return result

        return handle


async def answer_if_silent(agent: Agent, message: UserMessage) -> None:
    """Has Rasa say OUTAGE_RESPONSE (then listen) in the message's conversation if an action failed in its turn."""
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.processor.get_tracker(message.sender_id)
        if not action_failed(tracker, agent.domain):
            return
        log.warning("an action failed in conversation %s; telling the shopper", message.sender_id)
        for action in (OUTAGE_RESPONSE, ACTION_LISTEN_NAME):
            await agent.execute_action(message.sender_id, action, message.output_channel, None, None)
