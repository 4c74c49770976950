"""The MLflow model of a sentiment SavedModel: a ``text`` column in, P(positive) out.

Logged with MLflow's *models from code*: MLflow copies this file into the model and runs it when the model
is loaded, so it imports TensorFlow, pandas and MLflow only — never this project. The exported
SavedModel (whatever won: an RNN variant or a hybrid) is the model's ``saved_model`` artifact, and
``predict`` calls its ``serve`` signature, so the MLflow model answers exactly what the champion on disk
answers.
"""

from __future__ import annotations

from typing import Any

import mlflow
import numpy as np
import pandas as pd

SIGNATURE = "serve"
ARTIFACT = "saved_model"
COLUMN = "text"


def input_example(model_dir: Any = None) -> pd.DataFrame:
    """Two reviews (for the signature and the model page's example)."""
    return pd.DataFrame({COLUMN: ["what a wonderful film", "a dull, lifeless mess"]})


class SentimentSavedModel(mlflow.pyfunc.PythonModel):
    """``predict`` takes a DataFrame with a ``text`` column (or a list of strings) and returns
    P(positive) per row as ``float32``."""

    def load_context(self, context: Any) -> None:
        import tensorflow as tf

        self._loaded = tf.saved_model.load(context.artifacts[ARTIFACT])
        self._serve = getattr(self._loaded, SIGNATURE)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> np.ndarray:
        """``model_input``: a DataFrame as MLflow hands it over (its signature's columns); a hint MLflow
        takes as "no schema from type hints", so it keeps the logged signature and stays quiet."""
        import tensorflow as tf

        if isinstance(model_input, pd.DataFrame):
            texts = model_input[COLUMN].tolist()
        elif isinstance(model_input, pd.Series):
            texts = model_input.tolist()
        else:
            texts = list(model_input)
        wrong = [i for i, text in enumerate(texts) if not isinstance(text, str)]
        if wrong:  # a number or a list is not a review (MLflow's schema lets objects through)
            value = texts[wrong[0]]
            raise mlflow.exceptions.MlflowException.invalid_parameter_value(
                f"'{COLUMN}' must hold one review (a string) per row; row {wrong[0]} is "
                f"{type(value).__name__} {value!r}"
            )
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self._serve(tf.constant(texts, dtype=tf.string)).numpy()


mlflow.models.set_model(SentimentSavedModel())
