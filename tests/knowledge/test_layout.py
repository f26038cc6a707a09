"""The package's import structure: fetching a model needs no model libraries, and every module imports on its own
(no cycles between the backends and the code that builds them)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[2]


def python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT_DIR, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_model_fetch_imports_no_model_library():
    loaded = python("import sys, knowledge.llm.models; print(sorted({m.split('.')[0] for m in sys.modules}"
                    " & {'langchain_core', 'chromadb', 'llama_cpp'}))")
    assert loaded == "[]"


def test_backends_import_first():
    # knowledge.llm.hf is importable without torch/transformers (they load with the model) and before knowledge.llm
    assert python("import knowledge.llm.hf, knowledge.llm.llama, knowledge.llm; "
                  "print(knowledge.llm.hf.ChatTransformers.__name__)") == "ChatTransformers"
