"""The MLflow model of a text-generation SavedModel: a prompt and its sampling settings in, the
generated text out.

Logged with MLflow's *models from code* (like ``mlflow_text_classifier``): MLflow copies this file into
the model and runs it when the model is loaded, so it imports TensorFlow, pandas and MLflow only — never
this project. ``predict`` calls the champion SavedModel's ``generate`` signature once per row, so the
MLflow model answers exactly what `rnn-pipelines generate` answers with the same settings.

Input: one row per request, columns ``prompt`` (text), ``length`` (tokens to add), ``temperature``
(0 = greedy), ``top_k`` (0 = the whole vocabulary) and ``seed`` (the same seed, the same text).
Output: the prompt followed by the generated tokens, one string per row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

SIGNATURE = "generate"
ARTIFACT = "saved_model"
COLUMNS = {"prompt": "string", "length": "int32", "temperature": "float32", "top_k": "int32", "seed": "int64"}
MAX_LENGTH = 10_000  # tokens per request: a bound a served endpoint needs


def input_example(model_dir: str | Path) -> pd.DataFrame:
    """Two requests: a sampled and a greedy one (for the signature and the model page's example)."""
    return pd.DataFrame(
        {
            "prompt": ["ROMEO:", "KING HENRY:"],
            "length": [200, 100],
            "temperature": [0.8, 0.0],
            "top_k": [0, 10],
            "seed": [1, 0],
        }
    ).astype({"length": "int64", "top_k": "int64", "seed": "int64"})


def _invalid(message: str) -> Exception:
    """A bad request: ``mlflow models serve`` answers it with a 400 that carries ``message``."""
    return mlflow.exceptions.MlflowException.invalid_parameter_value(message)


class TextGeneratorSavedModel(mlflow.pyfunc.PythonModel):
    """``predict`` takes a DataFrame of requests and returns the generated texts (``object`` array)."""

    def load_context(self, context: Any) -> None:
        import tensorflow as tf

        self._loaded = tf.saved_model.load(str(Path(context.artifacts[ARTIFACT])))
        self._generate = getattr(self._loaded, SIGNATURE)

    def _check(self, frame: pd.DataFrame) -> None:
        missing = [name for name in COLUMNS if name not in frame.columns]
        if missing:
            raise _invalid(f"the input needs the columns {list(COLUMNS)}; missing {missing}")
        for name in ("length", "temperature", "top_k"):
            negative = frame.index[frame[name].astype(float) < 0].tolist()
            if negative:
                raise _invalid(f"'{name}' must not be negative (row {negative[0]})")
        too_long = frame.index[frame["length"].astype(float) > MAX_LENGTH].tolist()
        if too_long:
            raise _invalid(f"'length' is at most {MAX_LENGTH} tokens per request (row {too_long[0]})")

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> np.ndarray:
        """``model_input``: a DataFrame as MLflow hands it over (its signature's columns); a hint MLflow
        takes as "no schema from type hints", so it keeps the logged signature and stays quiet."""
        import tensorflow as tf

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        self._check(frame)
        texts = []
        for row in frame.itertuples(index=False):
            values = [tf.constant(getattr(row, name), dtype=dtype) for name, dtype in COLUMNS.items()]
            texts.append(self._generate(*values).numpy().decode("utf-8"))
        return np.asarray(texts, dtype=object)


mlflow.models.set_model(TextGeneratorSavedModel())
