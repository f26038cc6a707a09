"""Signed conversation cookies and socket.io tickets (shop/session_tickets.py), shared by the web chat and Rasa."""

import os
import stat

import pytest

from shop import session_tickets
from shop.session_tickets import SessionSigner

SIGNER = SessionSigner("test-webchat-session-secret")
NOW = 1_800_000_000


def test_a_ticket_grants_its_conversation_until_it_expires():
    ticket = SIGNER.ticket("conv-1", now=NOW)
    assert SIGNER.conversation_from_ticket(ticket, now=NOW) == "conv-1"
    assert SIGNER.conversation_from_ticket(ticket, now=NOW + SIGNER.ticket_ttl_s) == "conv-1"
    assert SIGNER.conversation_from_ticket(ticket, now=NOW + SIGNER.ticket_ttl_s + 1) is None


@pytest.mark.parametrize("forge", [
    lambda t: t.replace("conv-1", "conv-2", 1),                      # another conversation, same signature
    lambda t: ".".join([*t.split(".")[:2], "A" * 43]),               # a made-up signature
    lambda t: f"conv-1.{NOW + 10**6}.{t.split('.')[2]}",             # a later expiry
    lambda t: SessionSigner("another-secret-entirely").ticket("conv-1", now=NOW),
    lambda t: SIGNER.cookie("conv-1"),                               # a cookie is not a ticket
    lambda t: t + ".x", lambda t: "", lambda t: None, lambda t: ["conv-1"], lambda t: "é" + t, lambda t: t * 20,
])
def test_a_forged_or_malformed_ticket_grants_nothing(forge):
    assert SIGNER.conversation_from_ticket(forge(SIGNER.ticket("conv-1", now=NOW)), now=NOW) is None


def test_a_ticket_signed_too_far_ahead_is_refused():
    far = SessionSigner("test-webchat-session-secret", ticket_ttl_s=10_000).ticket("conv-1", now=NOW)
    assert SIGNER.conversation_from_ticket(far, now=NOW) is None


def test_a_cookie_binds_its_conversation_and_cannot_be_forged():
    assert SIGNER.conversation_from_cookie(SIGNER.cookie("conv-1")) == "conv-1"
    assert SIGNER.conversation_from_cookie(SIGNER.ticket("conv-1")) is None
    assert SIGNER.conversation_from_cookie("conv-1." + "A" * 43) is None
    assert SIGNER.conversation_from_cookie(SessionSigner("another-secret-entirely").cookie("conv-1")) is None
    assert SIGNER.conversation_from_cookie(None) is None


def test_ids_are_random_and_only_conversation_ids_are_signed():
    assert session_tickets.new_conversation_id() != session_tickets.new_conversation_id()
    with pytest.raises(ValueError):
        SIGNER.ticket("../etc")
    with pytest.raises(ValueError):
        SessionSigner("short")


def test_the_shared_secret_comes_from_the_environment_else_an_owner_only_file(monkeypatch, tmp_path):
    monkeypatch.setattr(session_tickets, "SECRET_FILE", tmp_path / ".webchat-session-secret")
    monkeypatch.setenv(session_tickets.SECRET_ENV, "from-the-environment-1234")
    assert session_tickets.shared_signer().conversation_from_cookie(
        SessionSigner("from-the-environment-1234").cookie("conv-1")) == "conv-1"
    monkeypatch.delenv(session_tickets.SECRET_ENV)
    cookie = session_tickets.shared_signer().cookie("conv-1")
    assert stat.S_IMODE(os.stat(tmp_path / ".webchat-session-secret").st_mode) == 0o600
    assert session_tickets.shared_signer().conversation_from_cookie(cookie) == "conv-1"  # the same file, read again
