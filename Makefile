# Tidepool assistant: `make run` sets up on first use and starts everything; `make test` runs the tests.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PY310 ?= /root/.pyenv/versions/3.10.13/bin/python
PY311 ?= $(firstword $(wildcard /root/.pyenv/versions/3.11.7/bin/python) $(shell command -v python3.11))
RASA_VENV := .venv-rasa
VENV := .venv
VENV_PY := $(VENV)/bin/python
MODEL := models/tidepool.tar.gz
STORE_DB := data/store.db
# pip on this machine prints a warning per package for its extra local indexes; keep the log readable.
# (grep exits 1 when it filters every line; pip's own failure still fails the pipeline)
QUIET_PIP := { grep -v "is ignored: it is neither a file nor a directory" || test $$? = 1; }

export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEBCHAT_PORT ?= 8080
export KNOWLEDGE_PORT ?= 8000
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export KNOWLEDGE_URL ?= http://127.0.0.1:$(KNOWLEDGE_PORT)
export TRACKER_DB ?= data/tracker.db
# Rasa's SQL event broker (bot/endpoints.yml); the agent desk follows conversations there.
export EVENTS_DB ?= data/events.db
export EVENTS_DATABASE_URL ?= sqlite:///$(abspath $(EVENTS_DB))
# Order-verification failures and locks per order, conversation and address (shop/lockout.py); set
# VERIFY_LOCKOUT_URL to a SQLAlchemy URL (postgresql+psycopg://...) to share them between hosts.
export VERIFY_LOCKOUT_DB ?= $(abspath data/verify_lockout.db)
export DESK_PORT ?= 8090
# `make run PROFILE=scale`: conversations in PostgreSQL, conversation locks in Redis, every event on RabbitMQ
# (bot/endpoints.scale.yml), the desk's tables in PostgreSQL and its feed from RabbitMQ; the database is created
# if missing. Plain `make run` keeps everything in embedded SQLite (bot/endpoints.yml).
PROFILE ?= embedded
ifeq ($(PROFILE),scale)
export RASA_ENDPOINTS ?= bot/endpoints.scale.yml
export POSTGRES_HOST ?= 127.0.0.1
export POSTGRES_PORT ?= 5432
export POSTGRES_DB ?= tidepool
export POSTGRES_USER ?= postgres
export POSTGRES_PASSWORD ?=
export REDIS_HOST ?= 127.0.0.1
export REDIS_PORT ?= 6379
export REDIS_DB ?= 1
export RABBITMQ_HOST ?= 127.0.0.1
export RABBITMQ_PORT ?= 5672
export RABBITMQ_USER ?= guest
export RABBITMQ_PASSWORD ?= guest
export EVENTS_EXCHANGE ?= tidepool-events
export EVENTS_QUEUE ?= tidepool_desk_events
POSTGRES_URL := postgresql+psycopg://$(POSTGRES_USER)$(if $(POSTGRES_PASSWORD),:$(POSTGRES_PASSWORD))@$(POSTGRES_HOST):$(POSTGRES_PORT)/$(POSTGRES_DB)
export DESK_DATABASE_URL ?= $(POSTGRES_URL)
# "forget me" and `make retention` erase from Rasa's tracker store there; every action server shares one lockout
export TRACKER_DATABASE_URL ?= $(POSTGRES_URL)
export VERIFY_LOCKOUT_URL ?= $(POSTGRES_URL)
export DESK_EVENTS ?= amqp://$(RABBITMQ_USER):$(RABBITMQ_PASSWORD)@$(RABBITMQ_HOST):$(RABBITMQ_PORT)/
else ifeq ($(PROFILE),embedded)
export RASA_ENDPOINTS ?= bot/endpoints.yml
else
$(error PROFILE is embedded (the default) or scale, not "$(PROFILE)")
endif
# supervisord's socket, pid file and the services' logs (supervisord.conf)
export RUN_DIR ?= $(abspath data/run)
export DESK_URL ?= http://127.0.0.1:$(DESK_PORT)
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
# Rasa's HTTP API needs RASA_TOKEN (channel webhooks excepted) and listens on loopback; its CORS answers only the
# web chat. The action server needs ACTION_TOKEN, which Rasa sends. Both come from the environment, else from
# owner-only files made on first use (shop/secrets.py), read by every service that needs them.
export RASA_HOST ?= 127.0.0.1
export RASA_CORS ?= http://127.0.0.1:$(WEBCHAT_PORT) http://localhost:$(WEBCHAT_PORT)
export RASA_TOKEN ?= $(shell $(PY311) -m shop.secrets RASA_TOKEN data/.rasa-token)
export ACTION_TOKEN ?= $(shell $(PY311) -m shop.secrets ACTION_TOKEN data/.action-token)
# Signs the web chat's conversation cookies and the tickets Rasa's socket.io channel checks (shop/session_tickets.py).
export WEBCHAT_SESSION_SECRET ?= $(shell $(PY311) -m shop.secrets WEBCHAT_SESSION_SECRET data/.webchat-session-secret)

NLU_AND_STORIES := $(shell find bot/data -name "*.yml" 2>/dev/null)
STORE_FILES := $(wildcard data/store/*.yml data/store/*.json data/store/*.jsonl)

.PHONY: help setup run test fuzz eval-nlu eval-attacks bench-chat report-copy report-conversations report-handoff bench-handoff bench-connectors bench-load lint lock clean retention

help:
	@echo "make run    set up on first use, then start Rasa, actions, knowledge and the web chat"
	@echo "make test   run the test suite against the real servers"
	@echo "make setup  create both venvs, train the model, load the demo store (idempotent)"
	@echo "make eval-nlu  intents on the held-out split and the stranger set, vs today's pipeline (reports/nlu_eval.md)"
	@echo "make bench-chat  reply latency p50/p95 over 200 REST turns (reports/bench-chat.md)"
	@echo "make retention DAYS=N [DRY_RUN=1]  erase conversations with no event in the last N days from every store"
	@echo "make bench-load  50 shoppers x 20 turns (REST, socket.io) and a 1 MB message: p50/p95, where latency doubles (reports/load.md)"
	@echo "make report-copy  product card copy variants: CTR with 95% intervals, bandit share (reports/copy-report.md)"
	@echo "make report-conversations  shoppers' ratings of chats with the assistant (reports/conversations.md)"
	@echo "make report-handoff  the agent desk's figures with a chart (reports/handoff.md)"
	@echo "make bench-connectors  messaging-app webhook-to-reply latency over 100 messages each (reports/connectors/)"
	@echo "make bench-handoff  handoff latency to the desk and bot resume time over 50 handoffs (reports/handoff_bench.md)"
	@echo "make fuzz   hypothesis on the parsers and schemathesis on every HTTP API, FUZZ_SCALE x the examples (reports/fuzz.md)"
	@echo "make eval-attacks  the prompt-injection and abuse suite against the real stack, per category (reports/attacks.md)"

setup: $(RASA_VENV)/.installed $(VENV)/.installed connectors/webchat/node_modules/.installed $(MODEL) $(STORE_DB) \
	knowledge-setup

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa-constraints.txt
	@test -x "$(PY310)" || { echo "Rasa 3.6 needs Python 3.10, not found at $(PY310). Install it (e.g. pyenv install 3.10.13) or run: make PY310=/path/to/python3.10 ..."; exit 1; }
	@echo "==> Rasa venv ($(RASA_VENV), Python 3.10, ~2.5 min the first time)"
	$(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -r requirements/rasa.txt -c requirements/rasa-constraints.txt 2>&1 | $(QUIET_PIP)
	$(RASA_VENV)/bin/rasa --version >/dev/null
	$(RASA_VENV)/bin/rasa telemetry disable
	touch $@

$(VENV)/.installed: requirements/app.txt requirements/app-constraints.txt $(wildcard requirements/knowledge.txt)
	@test -x "$(PY311)" || { echo "Python 3.11 is required for the app venv: run make PY311=/path/to/python3.11 ..."; exit 1; }
	@echo "==> App venv ($(VENV), Python 3.11: actions, web chat, knowledge, tests)"
	$(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements/app.txt $(if $(wildcard requirements/knowledge.txt),-r requirements/knowledge.txt) -c requirements/app-constraints.txt 2>&1 | $(QUIET_PIP)
	touch $@

connectors/webchat/node_modules/.installed: connectors/webchat/package-lock.json
	@echo "==> Web chat dependencies (npm)"
	npm ci --prefix connectors/webchat --no-audit --no-fund
	touch $@

$(MODEL): $(RASA_VENV)/.installed config.yml $(wildcard bot/domain/*.yml) $(NLU_AND_STORIES) $(wildcard bot/components/*.py)
	@echo "==> Training the Rasa model (~3 min on 2 cores)"
	@start=$$(date +%s); $(RASA_VENV)/bin/rasa train --config config.yml --domain bot/domain --data bot/data \
		--out models --fixed-model-name tidepool; echo "==> Rasa model trained in $$(( $$(date +%s) - start )) s"

$(STORE_DB): $(VENV)/.installed $(STORE_FILES)
	@echo "==> Loading the demo store into $(STORE_DB)"
	$(VENV_PY) -m shop.store load --db $(STORE_DB)

run: setup
	@echo "==> Starting Rasa (:$(RASA_PORT)), actions (:$(ACTION_PORT)), knowledge (:$(KNOWLEDGE_PORT)), the web chat"
	@echo "    (:$(WEBCHAT_PORT)) and the agent desk (:$(DESK_PORT))."
	@echo "    Open http://127.0.0.1:$(WEBCHAT_PORT) once $(RUN_DIR)/logs/rasa.log says 'Rasa server is up and running' (~1 min)."
	@echo "    Agent desk: http://127.0.0.1:$(DESK_PORT) (first admin: DESK_ADMIN_EMAIL/DESK_ADMIN_PASSWORD, or"
	@echo "    .venv/bin/python -m desk agents add --email you@store.example --name You --role admin)"
	@echo "    Messaging-app channels (on when their secrets are set; docs/connectors/):"
	@$(RASA_VENV)/bin/python -W ignore -m connectors.channels
	@echo "    Each service's output: $(RUN_DIR)/logs/<name>.log. A service that crashes is restarted; Ctrl-C stops all."
	@mkdir -p $(RUN_DIR)/logs && chmod 700 $(RUN_DIR)
	@$(PY311) -m shop.secrets --check rasa actions knowledge webchat desk  # TIDEPOOL_PROFILE=production: all set?
ifeq ($(PROFILE),scale)
	@echo "    Profile scale: PostgreSQL $(POSTGRES_HOST):$(POSTGRES_PORT)/$(POSTGRES_DB), Redis $(REDIS_HOST):$(REDIS_PORT), RabbitMQ $(RABBITMQ_HOST):$(RABBITMQ_PORT) (queue $(EVENTS_QUEUE))"
	$(VENV_PY) -c 'import sys; from scripts.stack import ensure_database; ensure_database(sys.argv[1])' "$$DESK_DATABASE_URL"
endif
	umask 077 && $(VENV)/bin/supervisord -c supervisord.conf  # its logs too are the owner's only

test: setup lint
	$(VENV_PY) -m pytest tests

# Erase conversations whose last event is older than DAYS days from every store that keeps them: Rasa's tracker
# store and event broker, the agent desk, card clicks and ratings (shop/retention.py). DRY_RUN=1 only counts.
retention: $(VENV)/.installed
	@test -n "$(DAYS)" || { echo "usage: make retention DAYS=N [DRY_RUN=1]"; exit 2; }
	$(VENV_PY) -m shop.retention --days $(DAYS) $(if $(DRY_RUN),--dry-run)

bench-chat: setup
	$(VENV_PY) scripts/bench_chat.py --turns 200

# 50 concurrent shoppers x 20 turns over REST and socket.io through the real servers, after a ramp of 1-25, with a
# 1 MB message sent mid-run (~10 min on 2 cores). Fails on any server error, a reordered conversation or an
# accepted big message.
bench-load: setup
	$(VENV_PY) -m scripts.bench_load --shoppers 50 --turns 20 --out reports

# Intent quality on the held-out split and the stranger set (tests/nlu/), the deployed model side by side with
# today's DIET pipeline and the e5 embedding alone, each NLU-only model trained on the same data (~1-2 min each).
NLU_VARIANTS := baseline embedding-only
NLU_VARIANT_MODELS := $(foreach v,$(NLU_VARIANTS),results/nlu-models/$(v).tar.gz)
results/nlu-models/%.tar.gz: tests/nlu/%-config.yml $(NLU_AND_STORIES) $(wildcard bot/components/*.py) | $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/rasa train nlu --config $< --nlu bot/data/nlu --out results/nlu-models --fixed-model-name $*

eval-nlu: $(MODEL) $(NLU_VARIANT_MODELS)
	$(VENV_PY) scripts/nlu_stats.py >/dev/null || $(VENV_PY) scripts/nlu_stats.py
	$(RASA_VENV)/bin/python scripts/eval_nlu.py --model ours=$(MODEL)@0.2 \
		--model "today's DIET pipeline=results/nlu-models/baseline.tar.gz" \
		--model "e5 embedding alone=results/nlu-models/embedding-only.tar.gz@0.2" --http --out reports

# The agent desk's figures (data/desk.db, or DESK_DATABASE_URL): handoffs by reason, times, satisfaction, drafts.
report-handoff: $(VENV)/.installed
	$(VENV_PY) -m scripts.report_handoff --out reports

# Every case of tests/attacks/cases.yml against the real stack and a knowledge service over a poisoned copy of the
# store (~3 min on 2 cores, most of it starting the servers); `make test` runs the cases marked ci
# (tests/attacks/test_attacks.py).
eval-attacks: setup
	$(VENV_PY) -m scripts.eval_attacks --out reports

# Handoff latency over 50 handoffs through the real servers, and the bot's answer after a hand-back (~5 min).
bench-handoff: setup
	$(VENV_PY) -m scripts.bench_handoff --handoffs 50 --out reports

# Each messaging-app connector's webhook-to-reply latency over 100 messages against its platform double.
bench-connectors: setup
	CONNECTOR_BENCH_MESSAGES=100 CONNECTOR_REPORT_DIR=$(abspath reports/connectors) \
		$(VENV_PY) -m pytest tests/connectors -q -k latency -p no:cacheprovider
	$(VENV_PY) -m scripts.report_connectors

# Fuzzing with FUZZ_SCALE times the examples `make test` runs (tests/fuzz/; the API descriptions are docs/openapi/).
FUZZ_SCALE ?= 5
fuzz: setup
	FUZZ_SCALE=$(FUZZ_SCALE) FUZZ_REPORT=$(abspath reports/fuzz.md) $(VENV_PY) -m pytest tests/fuzz -q -p no:cacheprovider

# Reads the copy experiment's event store (COPY_EVENTS_DB, default data/copy_events.db).
report-copy: $(VENV)/.installed
	$(VENV_PY) scripts/report_copy.py --out reports

# Shoppers' ratings of their chats with the assistant (CONVERSATION_RATINGS_DB, default data/conversation_ratings.db).
report-conversations: $(VENV)/.installed
	$(VENV_PY) scripts/report_conversations.py --out reports

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check shop bot actions connectors knowledge desk tests scripts
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/yamllint bot config.yml docker-compose.yml
	$(VENV)/bin/hadolint Dockerfile

# Regenerate the app constraints from the current venv after changing requirements/*.txt.
lock:
	$(VENV)/bin/pip freeze --exclude-editable \
		| sed -E 's#^([^ ]+) @ file://.*/[^/-]+-([0-9][^-]*)-.*#\1==\2#' > requirements/app-constraints.txt

include knowledge/knowledge.mk

clean:
	rm -rf models results $(STORE_DB) $(TRACKER_DB) $(EVENTS_DB) data/desk.db test-results
