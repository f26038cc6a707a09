# syntax=docker/dockerfile:1
# One image that can run every service of the assistant (Rasa, actions, knowledge, web chat);
# docker-compose.yml starts one container per service from it. Build: docker build -t tidepool-assistant .
# Rasa 3.6 needs Python 3.10; everything else runs on Python 3.11, copied in from the official image
# built on the same Debian release.
FROM python:3.11-slim-bookworm AS python311

FROM python:3.10-slim-bookworm

ENV RASA_TELEMETRY_ENABLED=false \
    HF_HUB_OFFLINE=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

COPY --from=python311 /usr/local/bin/python3.11 /usr/local/bin/python3.11
COPY --from=python311 /usr/local/lib/python3.11 /usr/local/lib/python3.11
COPY --from=python311 /usr/local/lib/libpython3.11.so.1.0 /usr/local/lib/
RUN ldconfig

RUN apt-get update \
    && apt-get install -y --no-install-recommends make nodejs npm cmake g++ \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements/ requirements/
RUN python3.10 -m venv .venv-rasa \
    && .venv-rasa/bin/pip install -r requirements/rasa.txt -c requirements/rasa-constraints.txt \
    && .venv-rasa/bin/rasa telemetry disable
RUN python3.11 -m venv .venv \
    && .venv/bin/pip install -r requirements/app.txt -r requirements/knowledge.txt \
        -c requirements/app-constraints.txt
COPY connectors/webchat/package.json connectors/webchat/package-lock.json connectors/webchat/
RUN npm ci --prefix connectors/webchat --no-audit --no-fund

COPY . .
# Stamps tell the Makefile the venvs exist; then build llama-cpp-python, fetch and verify the local
# model, train the Rasa model, load the demo store and index it.
RUN touch .venv-rasa/.installed .venv/.installed connectors/webchat/node_modules/.installed \
    && make setup PY310=/usr/local/bin/python3.10 PY311=/usr/local/bin/python3.11

EXPOSE 5005 5055 8000 8080 8090
CMD ["make", "run", "PY310=/usr/local/bin/python3.10", "PY311=/usr/local/bin/python3.11"]
