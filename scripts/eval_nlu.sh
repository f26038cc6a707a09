#!/usr/bin/env bash
# Intent classification quality per language on the held-out split (tests/nlu/<lang>.yml), which
# training never sees. Reports, confusion matrices and histograms land in results/nlu/<lang>/.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
for lang in en zh; do
  echo "==> rasa test nlu ($lang)"
  .venv-rasa/bin/rasa test nlu --nlu "tests/nlu/$lang.yml" --model models/tidepool.tar.gz \
    --out "results/nlu/$lang" >"results/nlu-$lang.log" 2>&1 || { tail -30 "results/nlu-$lang.log"; exit 1; }
done
.venv/bin/python scripts/nlu_summary.py results/nlu
