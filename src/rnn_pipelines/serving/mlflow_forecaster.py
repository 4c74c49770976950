"""The MLflow model of a forecasting SavedModel: the last ``sequence_length`` days in °C in, the next
``horizon`` days in °C out.

Logged with MLflow's *models from code* (like ``mlflow_text_classifier``): MLflow copies this file into
the model and runs it when the model is loaded, so it imports TensorFlow, pandas and MLflow only — never
this project. ``predict`` calls the champion SavedModel's ``serve`` signature, so the MLflow model answers
exactly what the champion on disk answers.

Input: one row per forecast, column ``temp_c`` (a list of ``sequence_length`` °C values, oldest first),
for a forecaster trained with calendar features ``day_of_year`` (a list of as many days of year), and
one column per covariate it was trained with (a list of as many values, in the covariate's own units).
Output: ``[rows, horizon]`` °C, step 1 first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

SIGNATURE = "serve"
ARTIFACT = "saved_model"
RECORD = "champion.json"


def input_example(model_dir: str | Path) -> pd.DataFrame:
    """Two windows of the champion's length (a warming week-scale ramp and a flat one), for the
    signature and the model page's example."""
    record = json.loads((Path(model_dir) / RECORD).read_text(encoding="utf-8"))
    windowing = record["windowing"]
    length = int(windowing["sequence_length"])
    example = {"temp_c": [np.linspace(10.0, 16.0, length).round(1).tolist(), [14.5] * length]}
    if windowing["calendar_features"]:
        example["day_of_year"] = [list(range(150, 150 + length)), list(range(300, 300 + length))]
    for name, stats in _covariates(record).items():  # each at its training mean
        example[name] = [[round(float(stats["offset"]), 2)] * length] * 2
    return pd.DataFrame(example)


def _covariates(record: dict[str, Any]) -> dict[str, Any]:
    """The covariates the champion takes, in its ``serve`` signature's order."""
    return record.get("scaler", {}).get("features", {})


def _invalid(message: str) -> Exception:
    """A bad request: ``mlflow models serve`` answers it with a 400 that carries ``message``."""
    return mlflow.exceptions.MlflowException.invalid_parameter_value(message)


class ForecasterSavedModel(mlflow.pyfunc.PythonModel):
    """``predict`` takes a DataFrame of windows (``temp_c``, ``day_of_year`` when the forecaster uses
    calendar features, and a column per covariate) and returns the forecasts in °C (``float32``,
    ``[rows, horizon]``)."""

    def load_context(self, context: Any) -> None:
        import tensorflow as tf

        folder = Path(context.artifacts[ARTIFACT])
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        self._windowing, self._covariates = record["windowing"], list(_covariates(record))
        self._loaded = tf.saved_model.load(str(folder))
        self._serve = getattr(self._loaded, SIGNATURE)

    def _column(self, frame: pd.DataFrame, name: str, dtype: Any) -> np.ndarray:
        length = int(self._windowing["sequence_length"])
        if name not in frame.columns:
            raise _invalid(f"the input needs a '{name}' column: a list of {length} values per row")
        rows = [np.asarray(value, dtype=dtype).ravel() for value in frame[name]]
        wrong = [i for i, row in enumerate(rows) if row.shape != (length,)]
        if wrong:
            raise _invalid(
                f"'{name}' must hold {length} values per row (the last {length} days, oldest first); "
                f"row {wrong[0]} has {rows[wrong[0]].size}"
            )
        return np.stack(rows)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> np.ndarray:
        """``model_input``: a DataFrame as MLflow hands it over (its signature's columns); a hint MLflow
        takes as "no schema from type hints", so it keeps the logged signature and stays quiet."""
        import tensorflow as tf

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        if frame.empty:
            return np.zeros((0, int(self._windowing["horizon"])), dtype=np.float32)
        arguments = [tf.constant(self._column(frame, "temp_c", np.float32))]
        if self._windowing["calendar_features"]:
            arguments.append(tf.constant(self._column(frame, "day_of_year", np.int32)))
        arguments += [tf.constant(self._column(frame, name, np.float32)) for name in self._covariates]
        return self._serve(*arguments).numpy()


mlflow.models.set_model(ForecasterSavedModel())
