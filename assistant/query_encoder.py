"""An ONNX copy of the embedding model, made at index time, that encodes questions without torch and
documents faster than sentence-transformers.

Importing torch, transformers and sentence-transformers takes most of a cold `studyqa ask` (about
8 of its 11 seconds on two cores). The indexer has the model loaded anyway, so it exports it once
(transformer, pooling and normalisation in one graph, attention traced eager: see `_eager_attention`)
next to the index, checks that the copy gives the same vectors as the original, and records it in the
manifest. Readers then encode questions with onnxruntime and the `tokenizers` library, both already
installed with chromadb and fast to import.

The indexer embeds documents with the same copy (`STUDYQA_DOCUMENT_ENCODER=onnx`, or `onnx-int8`, the default): ONNX
Runtime with full graph optimisation, one thread per core, and batches cut by a token budget over
length-sorted texts (rows x longest row), so that short texts travel in large batches and long ones
in small. `onnx-int8` quantises the copy's matrix weights to int8 per channel (dynamic quantisation, checked
against the fp32 copy on probe texts: cosine at least 0.97). Any step that fails (an exotic model, a missing exporter) leaves no copy, and
questions and documents go through sentence-transformers as before.

Exporting and quantising take about 5 s, once per index. A copy is also kept in the user's cache folder
(`STUDYQA_ENCODER_CACHE_DIR`), keyed by the model's files, so that every later index of the same model on
the machine (each `studyqa eval` collection, a second library) starts from it: the copy is checked against
the model again before use, and a copy that fails the check is made afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .faults import checkpoint

log = logging.getLogger(__name__)

ENCODERS = "encoders"
EXPORT_VERSION = "2"  # bump when the exported graph changes, so cached copies are not reused
PARITY_TOLERANCE = 1e-4
INT8_MIN_COSINE = 0.97  # the int8 copy's vectors against the fp32 copy's, on every probe
INT8_MODEL = "model-int8.onnx"
ONNX_BATCH = 8
DOCUMENT_TOKEN_BUDGET = 4096  # tokens per document batch (rows x longest row)
_exported: dict[str, Path] = {}  # model ref -> an export made by this process, copied for other indexes
_PROBES = ["How many staff were interviewed?", "同伴志愿者参加了几个焦点小组？", "A longer sentence " * 40, "x"]


def encoder_dir(index_dir: Path, model_ref: str) -> Path:
    """Where the ONNX copy of `model_ref` lives under an index."""
    key = hashlib.sha1(model_ref.encode("utf-8")).hexdigest()[:12]
    return Path(index_dir) / ENCODERS / key


class OnnxQueryEncoder:
    """Normalised embeddings from the ONNX copy; the same interface as Embedder for questions."""

    def __init__(self, folder: Path, model_file: str = "model.onnx") -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(folder)
        meta = json.loads((folder / "encoder.json").read_text("utf-8"))
        self.ref: str = meta["model"]
        self.dimension: int = int(meta["dimension"])
        self.window: int = int(meta["window"])
        self._inputs: list[str] = list(meta["inputs"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.window)
        self._pad_id, self._pad_token = int(meta["pad_id"]), str(meta["pad_token"])
        self._tokenizer.enable_padding(pad_id=self._pad_id, pad_token=self._pad_token)
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = os.cpu_count() or 1
        self._session = onnxruntime.InferenceSession(str(folder / model_file), options,
                                                     providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """float32 array of L2-normalised embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = []
        # Sorted by length and in small batches: padding costs more here than the per-batch overhead
        # (measured on answer-candidate sentences: batches of 8 take 0.19 s where 32 take 0.32 s).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = min(batch_size, ONNX_BATCH)
        for start in range(0, len(order), step):
            batch = [texts[i] for i in order[start:start + step]]
            with self._lock:  # the tokenizer's padding state is shared
                encoded = self._tokenizer.encode_batch(batch)
            feed = {name: np.array([_field(e, name) for e in encoded], dtype=np.int64) for name in self._inputs}
            rows.append(self._session.run(None, feed)[0])
        vectors = np.concatenate(rows).astype(np.float32)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result

    def encode_documents(self, texts: list[str], token_budget: int = DOCUMENT_TOKEN_BUDGET) -> np.ndarray:
        """float32 array of L2-normalised embeddings, in batches of at most `token_budget` padded tokens."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            self._tokenizer.no_padding()
            try:
                encoded = self._tokenizer.encode_batch(texts)
            finally:
                self._tokenizer.enable_padding(pad_id=self._pad_id, pad_token=self._pad_token)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i].ids))
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        start = 0
        while start < len(order):
            stop = start + 1  # rows are sorted by length: the last row of a batch is its longest
            while stop < len(order) and (stop - start + 1) * len(encoded[order[stop]].ids) <= token_budget:
                stop += 1
            batch = order[start:stop]
            width = len(encoded[batch[-1]].ids)
            feed = {name: np.full((len(batch), width), self._pad_id if name == "input_ids" else 0, dtype=np.int64)
                    for name in self._inputs}
            for row, i in enumerate(batch):
                length = len(encoded[i].ids)
                for name in self._inputs:
                    feed[name][row, :length] = _field(encoded[i], name)
            result[batch] = self._session.run(None, feed)[0]
            start = stop
        return result

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens in each text as the model reads them, special tokens excluded."""
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]


def _field(encoding: Any, name: str) -> list[int]:
    return {"input_ids": encoding.ids, "attention_mask": encoding.attention_mask,
            "token_type_ids": encoding.type_ids}[name]


def load_query_encoder(index_dir: Path, manifest: dict[str, Any]) -> OnnxQueryEncoder | None:
    """The index's ONNX copy of its model, or None when it has none or it cannot be loaded."""
    relative = manifest.get("query_encoder")
    if not relative:
        return None
    try:
        return OnnxQueryEncoder(Path(index_dir) / relative)
    except Exception as exc:  # noqa: BLE001 - any failure means: use sentence-transformers instead
        log.warning("query encoder unusable (%s: %s); using sentence-transformers", type(exc).__name__, exc)
        return None


def ensure_query_encoder(embedder: Any, index_dir: Path, cache_dir: Path | None = None) -> str | None:
    """Export the embedder to ONNX under the index unless done already (starting from a copy made earlier
    by this process or kept in `cache_dir` when there is one); its path relative to the index."""
    folder = encoder_dir(index_dir, embedder.ref)
    relative = str(folder.relative_to(index_dir))
    if (folder / "encoder.json").exists():
        return relative
    try:
        earlier = _exported.get(embedder.ref)
        if earlier is not None and (earlier / "encoder.json").exists():
            _copy(earlier, folder)  # another index of this process has one: no second export
        elif not _reuse_cached(embedder, cache_dir, folder):
            _export(embedder, folder)
        _exported[embedder.ref] = folder
        remember_encoder(embedder, folder, cache_dir)
    except Exception as exc:  # noqa: BLE001 - an optional speed-up must never fail an index build
        log.warning("no ONNX query encoder for %s (%s: %s); questions use sentence-transformers",
                    embedder.ref, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        return None
    return relative


def cached_encoder_dir(embedder: Any, cache_dir: Path) -> Path:
    """Where the machine-wide copy of the embedder's model lives: keyed by its reference and its files."""
    signature = [EXPORT_VERSION, embedder.ref, str(getattr(embedder, "path", "")), _toolchain()]
    root = Path(getattr(embedder, "path", "") or "")
    if root.is_dir():  # a local model (the packaged default included): its files, so an edited model misses
        signature += [f"{f.relative_to(root)}:{f.stat().st_size}:{f.stat().st_mtime_ns}"
                      for f in sorted(root.rglob("*")) if f.is_file()]
    return Path(cache_dir) / hashlib.sha1(json.dumps(signature).encode("utf-8")).hexdigest()[:16]


def _toolchain() -> str:
    """The versions of what exports and quantises: another version may write a slightly different copy."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("torch", "onnx", "onnxruntime", "sentence-transformers", "transformers"):
        try:
            found.append(f"{package}={version(package)}")
        except PackageNotFoundError:
            found.append(f"{package}=none")
    return ",".join(found)


def _reuse_cached(embedder: Any, cache_dir: Path | None, folder: Path) -> bool:
    """Copy the machine-wide copy into `folder` when there is one that passes the parity check (and its int8
    file, when it has one, the int8 check); False leaves `folder` absent, to be exported."""
    if cache_dir is None or not (source := cached_encoder_dir(embedder, cache_dir)).joinpath("encoder.json").exists():
        return False
    try:
        _copy(source, folder)
        _check_parity(embedder, OnnxQueryEncoder(folder))
    except Exception as exc:  # noqa: BLE001 - a damaged, stale or vanishing cached copy: export afresh
        log.warning("cached ONNX copy unusable (%s: %s); exporting again", type(exc).__name__, exc)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(source, ignore_errors=True)
        return False
    if (folder / INT8_MODEL).exists():
        try:
            _check_int8(folder)
        except Exception as exc:  # noqa: BLE001 - quantised again when the index asks for it
            log.warning("cached int8 copy unusable (%s: %s); quantising again", type(exc).__name__, exc)
            (folder / INT8_MODEL).unlink(missing_ok=True)
            (source / INT8_MODEL).unlink(missing_ok=True)
    return True


def remember_encoder(embedder: Any, folder: Path, cache_dir: Path | None) -> None:
    """Keep the index's copy (and its int8 file, once made) in the machine-wide cache; never fails a build."""
    if cache_dir is None:
        return
    target = cached_encoder_dir(embedder, cache_dir)
    staging = target / f".{INT8_MODEL}.{os.getpid()}.tmp"
    try:
        if not (target / "encoder.json").exists():
            _copy(folder, target)
        elif ((folder / INT8_MODEL).exists() and not (target / INT8_MODEL).exists()
              and _same_file(folder / "model.onnx", target / "model.onnx")):  # int8 made from this very copy
            shutil.copyfile(folder / INT8_MODEL, staging)
            staging.rename(target / INT8_MODEL)
    except OSError as exc:  # a read-only or full cache folder only costs the next index an export
        log.warning("could not keep the ONNX copy in %s (%s)", cache_dir, exc)
    finally:
        staging.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes."""
    if a.stat().st_size != b.stat().st_size:
        return False
    return hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


class DocumentEncoder:
    """The ONNX copy as the indexer's document embedder (same `encode` call as Embedder)."""

    def __init__(self, copy: OnnxQueryEncoder, kind: str) -> None:
        self.copy, self.kind = copy, kind

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Normalised embeddings; `batch_size` is ignored (batches are cut by tokens)."""
        return self.copy.encode_documents(texts)


def document_encoder(embedder: Any, index_dir: Path, relative: str | None, kind: str,
                     cache_dir: Path | None = None) -> Any:
    """What embeds documents: the ONNX copy (fp32 or int8) when asked for and present, else `embedder`."""
    if kind == "sentence-transformers" or relative is None:
        return embedder
    folder = Path(index_dir) / relative
    try:
        if kind == "onnx-int8":
            ensure_int8(folder)
            try:
                copy = OnnxQueryEncoder(folder, INT8_MODEL)
            except Exception:  # noqa: BLE001 - a damaged int8 file (from the cache): forget it, quantise again
                (folder / INT8_MODEL).unlink(missing_ok=True)
                if cache_dir is not None:
                    (cached_encoder_dir(embedder, cache_dir) / INT8_MODEL).unlink(missing_ok=True)
                ensure_int8(folder)
                copy = OnnxQueryEncoder(folder, INT8_MODEL)
            remember_encoder(embedder, folder, cache_dir)
            return DocumentEncoder(copy, kind)
        return DocumentEncoder(OnnxQueryEncoder(folder), kind)
    except Exception as exc:  # noqa: BLE001 - an optional speed-up: fall back to what was checked
        log.warning("%s document encoder unusable (%s: %s); using %s", kind, type(exc).__name__, exc,
                    "the fp32 copy" if kind == "onnx-int8" else "sentence-transformers")
        if kind == "onnx-int8":
            return document_encoder(embedder, index_dir, relative, "onnx")
        return embedder


def ensure_int8(folder: Path) -> None:
    """Quantise the copy's weights to int8 next to it (once), checked against the fp32 copy on the probes."""
    folder = Path(folder)
    target = folder / INT8_MODEL
    if target.exists():
        return
    from onnxruntime.quantization import QuantType, quantize_dynamic

    staging = folder / f".{INT8_MODEL}.tmp"
    try:
        # per-channel weights of the matrix products only: per-tensor scales, or quantised embedding
        # lookups, cost too much (probe cosines 0.91-0.97 against 0.98-0.99 this way)
        logging.disable(logging.WARNING)  # its advice to pre-process the graph; the cosine check below decides
        try:
            quantize_dynamic(str(folder / "model.onnx"), str(staging), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        finally:
            logging.disable(logging.NOTSET)
        _check_int8(folder, staging.name)
        staging.rename(target)
    finally:
        staging.unlink(missing_ok=True)


def _check_int8(folder: Path, model_file: str = INT8_MODEL) -> None:
    """Raise unless the int8 file's vectors stay within INT8_MIN_COSINE of the fp32 copy's on the probes."""
    reference = OnnxQueryEncoder(folder).encode_documents(_PROBES)
    quantised = OnnxQueryEncoder(folder, model_file).encode_documents(_PROBES)
    worst = float((reference * quantised).sum(axis=1).min())
    if worst < INT8_MIN_COSINE:
        raise ValueError(f"int8 copy reaches cosine {worst:.3f} with the model (below {INT8_MIN_COSINE})")


def _copy(source: Path, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".export-"))
    try:
        shutil.copytree(source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
        staging.chmod(0o755)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_other_encoders(index_dir: Path, keep: str | None) -> None:
    """Delete ONNX copies of models the index no longer uses."""
    root = Path(index_dir) / ENCODERS
    for folder in root.glob("*") if root.exists() else []:
        if keep is None or folder != Path(index_dir) / keep:
            shutil.rmtree(folder, ignore_errors=True)


def _export(embedder: Any, folder: Path) -> None:
    import torch

    model = embedder.sentence_transformer
    tokenizer = model.tokenizer
    inputs = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".export-") as tmp:
        staging = Path(tmp)
        sample = tokenizer(["a b c", "d"], padding=True, return_tensors="pt")
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad(), warnings.catch_warnings(), _eager_attention(model):
                warnings.simplefilter("ignore")  # exporter notes about traced branches, not for users
                torch.onnx.export(_traceable(model, inputs), tuple(sample[n].to(model.device) for n in inputs),
                                  str(staging / "model.onnx"), input_names=inputs, output_names=["embedding"],
                                  dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in inputs},
                                                "embedding": {0: "batch"}},
                                  opset_version=17, dynamo=False)
        finally:
            model.train(was_training)
        checkpoint("onnx-written")
        tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
        meta = {"model": embedder.ref, "dimension": embedder.dimension, "window": embedder.window,
                "inputs": inputs, "pad_id": int(tokenizer.pad_token_id or 0), "pad_token": tokenizer.pad_token or "[PAD]"}
        (staging / "encoder.json").write_text(json.dumps(meta, indent=2), "utf-8")
        _check_parity(embedder, OnnxQueryEncoder(staging))
        if folder.exists():
            shutil.rmtree(folder)
        staging.chmod(0o755)
        staging.rename(folder)
        staging.mkdir()  # TemporaryDirectory removes its own folder on exit


@contextlib.contextmanager
def _eager_attention(model: Any) -> Iterator[None]:
    """Trace the transformer with plain (eager) attention, then give it back its own.

    PyTorch's fused attention exports as a softmax guarded by IsNaN/Where over every batch x heads x
    tokens x tokens score, which took a fifth of the int8 copy's time on NFCorpus chunks; eager attention
    exports as a masked softmax with the same vectors (parity is checked as for any copy). Models that
    cannot switch are exported as they are."""
    switched = []
    for module in model.modules():
        config = getattr(module, "config", None)
        current = getattr(config, "_attn_implementation", None)
        if current not in (None, "eager") and hasattr(module, "set_attn_implementation"):
            try:
                module.set_attn_implementation("eager")
                switched.append((module, current))
            except Exception as exc:  # noqa: BLE001 - a speed-up only; the model exports as it is
                log.debug("attention of %s stays %s (%s)", type(module).__name__, current, exc)
    try:
        yield
    finally:
        for module, previous in reversed(switched):
            module.set_attn_implementation(previous)


def _check_parity(embedder: Any, copy: OnnxQueryEncoder) -> None:
    expected = embedder.encode(_PROBES)
    got = copy.encode(_PROBES)
    worst = float(np.abs(expected - got).max())
    if worst > PARITY_TOLERANCE:
        raise ValueError(f"ONNX copy differs from the model by {worst:.2g}")
    if copy.count_tokens(_PROBES) != embedder.count_tokens(_PROBES):
        raise ValueError("ONNX copy's tokenizer counts tokens differently")


def _traceable(model: Any, inputs: list[str]) -> Any:
    """The model as a torch module taking positional tensors and returning normalised embeddings."""
    import torch

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            features = self.model(dict(zip(inputs, tensors)))
            return torch.nn.functional.normalize(features["sentence_embedding"], p=2, dim=1)

    return Graph()
