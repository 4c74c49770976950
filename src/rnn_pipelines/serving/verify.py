"""Check an exported SavedModel in a fresh Python process that imports TensorFlow and nothing else."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from rnn_pipelines.logs import heartbeat

logger = logging.getLogger(__name__)

# Runs with `python -I`: no project on the path, no PYTHONPATH; fails if the project gets imported.
_SCRIPT = """
import json, sys
request = json.load(sys.stdin)
import tensorflow as tf
loaded = tf.saved_model.load(request["path"])

def plain(tensor):
    value = tensor.numpy()
    if tensor.dtype != tf.string:
        return value.tolist()
    return value.decode("utf-8") if isinstance(value, bytes) else [v.decode("utf-8") for v in value.tolist()]

results = []
for call in request["calls"]:
    endpoint = getattr(loaded, call["signature"])
    outputs = endpoint(*[tf.constant(values, dtype=dtype) for values, dtype in call["arguments"]])
    results.append(tf.nest.map_structure(plain, outputs))
foreign = sorted(m for m in sys.modules if m.split(".")[0] in ("rnn_pipelines", "kedro"))
json.dump({"results": results, "foreign_modules": foreign}, sys.stdout)
"""


class ExportMismatchError(RuntimeError):
    """The exported model disagrees with the in-memory model, or cannot be served."""


def serve_in_fresh_process(
    path: str | Path, calls: list[tuple[str, list[tuple[Any, str]]]], *, timeout: float = 300
) -> list[Any]:
    """Load the SavedModel at ``path`` in a new interpreter that imports TensorFlow only, and make
    ``calls``: ``(signature, [(values, dtype), ...])`` each.

    Returns:
        Each call's outputs as plain Python values (strings decoded; tuples as lists).

    Raises:
        ExportMismatchError: The process failed or imported the project.
    """
    request = {
        "path": str(Path(path).resolve()),
        "calls": [{"signature": name, "arguments": [list(a) for a in args]} for name, args in calls],
    }
    result = subprocess.run(
        [sys.executable, "-I", "-c", _SCRIPT],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise ExportMismatchError(
            f"Serving '{path}' in a fresh TensorFlow process failed:\n{result.stderr[-2000:]}"
        )
    response = json.loads(result.stdout)
    if response["foreign_modules"]:
        raise ExportMismatchError(f"The SavedModel at '{path}' needed {response['foreign_modules']} to load.")
    return response["results"]


def verify_in_fresh_process(
    path: str | Path,
    inputs: list[Any],
    expected: np.ndarray,
    *,
    dtype: str = "string",
    signature: str = "serve",
    extra_inputs: list[tuple[list[Any], str]] = (),
    atol: float = 1e-5,
    timeout: float = 300,
) -> dict[str, Any]:
    """Load the SavedModel at ``path`` in a new interpreter, call ``signature`` on ``inputs`` (and
    ``extra_inputs``: further ``(values, dtype)`` arguments), and compare with ``expected`` (the
    in-memory model's outputs on the same inputs).

    Returns:
        ``max_abs_difference``, ``inputs`` (count), ``atol`` and ``passed``.

    Raises:
        ExportMismatchError: The process failed, imported the project, or an output is off by > ``atol``.
    """
    arguments = [(inputs, dtype), *extra_inputs]
    with heartbeat(f"Verifying the export in a fresh process ({len(inputs)} inputs)", log=logger):
        (outputs,) = serve_in_fresh_process(path, [(signature, arguments)], timeout=timeout)
    served = np.asarray(outputs, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if served.shape != expected.shape:
        raise ExportMismatchError(f"'{path}' returned shape {served.shape}, expected {expected.shape}.")
    difference = float(np.max(np.abs(served - expected))) if served.size else 0.0
    report = {
        "inputs": len(inputs),
        "max_abs_difference": difference,
        "atol": atol,
        "passed": difference <= atol,
    }
    if not report["passed"]:
        raise ExportMismatchError(
            f"'{path}' differs from the in-memory model by {difference:.3g} (> {atol}) "
            f"on {len(inputs)} inputs."
        )
    logger.info(
        "Export verified in a fresh process: %d inputs, max |difference| %.2g", len(inputs), difference
    )
    return report
