"""The retention command (shop/retention.py): conversations whose last event is older than N days leave every store;
newer ones, and a conversation that carries on in any store, stay."""

import io
import os
import subprocess
import sys
import time

import pytest

from scripts.stack import ROOT
from shop.retention import DAY_S, run
from tests.shop.conversation_stores import add_event, add_side_records, make_stores, path, rows

NOW = time.time()
NOTHING = {"tracker": 0, "broker": 0, "desk": 0, "copy_events": 0, "ratings": 0}


@pytest.fixture
def stores(tmp_path):
    stores = make_stores(tmp_path)
    # old: everything 40 days ago; recent: 2 days ago; revived: old events, but rated yesterday
    for conversation, age_days in (("old", 40), ("recent", 2), ("revived", 40)):
        at = NOW - age_days * DAY_S
        add_event(stores, conversation, at, text="TP10001, jo@example.com")
        add_event(stores, conversation, at + 1, action="action_listen")
        add_side_records(stores, conversation, at + 2)
    from shop.feedback import record_rating

    record_rating(path(stores.ratings), "revived", 4, "", "en", now=NOW - DAY_S)
    return stores


def test_only_conversations_older_than_n_days_are_erased(stores):
    kept = {name: rows(stores, name) for name in ("recent", "revived")}
    out, progress = io.StringIO(), io.StringIO()
    totals = run(stores, days=30, now=NOW, out=out, progress=progress)
    assert totals == {"conversations": 1, "tracker": 2, "broker": 2, "desk": 5, "copy_events": 2, "ratings": 1}
    assert rows(stores, "old") == NOTHING
    assert {name: rows(stores, name) for name in ("recent", "revived")} == kept
    assert out.getvalue() == ("retention: erased 1 conversations with no event in the last 30 days (rows: tracker 2, "
                              "broker 2, desk 5, copy_events 2, ratings 1)\n")
    assert progress.getvalue() == "retention: erased 1/1 conversations\n"


def test_a_dry_run_reports_and_keeps_everything(stores):
    before = rows(stores, "old")
    out = io.StringIO()
    totals = run(stores, days=30, dry_run=True, now=NOW, out=out, progress=io.StringIO())
    assert totals["conversations"] == 1 and rows(stores, "old") == before
    assert out.getvalue().startswith("retention: would erase 1 conversations") and "[dry run]" in out.getvalue()


def test_a_shorter_window_takes_more(stores):
    assert run(stores, days=1, now=NOW, out=io.StringIO(), progress=io.StringIO())["conversations"] == 2
    assert rows(stores, "recent") == NOTHING and rows(stores, "revived")["ratings"] == 1


def test_the_command_reads_the_services_environment(stores, tmp_path):
    env = dict(os.environ, TRACKER_DB=str(path(stores.tracker)), EVENTS_DB=str(path(stores.broker)),
               DESK_DATABASE_URL=stores.desk, COPY_EVENTS_DB=str(path(stores.copy_events)),
               CONVERSATION_RATINGS_DB=str(path(stores.ratings)))
    env.pop("EVENTS_DATABASE_URL", None)
    env.pop("TRACKER_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "shop.retention", "--days", "30"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("retention: erased 1 conversations with no event in the last 30 days")
    assert rows(stores, "old") == NOTHING and rows(stores, "recent")["tracker"] == 2
    refused = subprocess.run([sys.executable, "-m", "shop.retention"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "--days" in refused.stderr
