"""MLflow tracking that kedro-mlflow does not provide as a dataset: nested runs, run tags, and artifacts
of files stored anywhere.

kedro-mlflow opens one run per ``kedro run`` and logs into it. A run that trains several model variants
needs one *nested* run per variant, which kedro-mlflow leaves to the project
(Galileo-Galilei/kedro-mlflow#120); and its ``MlflowArtifactDataset`` hands MLflow the file's path, which
``log_artifact`` reads from the local disk only (mlflow/mlflow#7547), so it cannot log a file stored on
``s3://``. These datasets keep all of that behind the catalog, so nodes only return plain records.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import storage
from rnn_pipelines.errors import ServiceError

logger = logging.getLogger(__name__)

MAX_PARAM_LENGTH = 6000  # MLflow's limit on a param value; longer values are logged as tags
MAX_METRICS_PER_BATCH = 1000  # MLflow's limit on the metrics of one log_batch request
# the experiment tag the MLflow UI reads to choose its landing page, and the value for training runs
EXPERIMENT_KIND, TRAINING_RUNS = "mlflow.experimentKind", "custom_model_development"
# The runs table a reviewer opens (README, log line): an MLflow UI shared view, stored as the experiment tag
# ``mlflow.sharedViewState.<key>`` (what the UI's "Share" button writes), whose columns are the scores the
# pipelines' run summaries log. ``workflowType`` makes the UI show training runs, not the GenAI pages.
REVIEW_VIEW = "training-runs"
SHARED_VIEW_TAG = "mlflow.sharedViewState."
VIEW_COLUMNS = ["tags.`selected_variant`", "attributes.`Dataset`", "attributes.`Models`"]


class TrackingError(ServiceError, RuntimeError):
    """The MLflow tracking server cannot be reached."""


def check_tracking_server(uri: str | None, timeout: float = 5.0) -> None:
    """Raise ``TrackingError`` in one sentence when ``uri`` names an MLflow server (``http(s)://``) that does
    not answer its ``/health`` within ``timeout`` seconds; a local store (SQLite) needs no check."""
    import os

    if not uri or not str(uri).startswith(("http://", "https://")):
        return
    import requests

    setting = "MLFLOW_TRACKING_URI" if os.environ.get("MLFLOW_TRACKING_URI") == uri else "mlflow_tracking_uri"
    try:
        response = requests.get(f"{str(uri).rstrip('/')}/health", timeout=timeout)
    except requests.Timeout:
        raise TrackingError(
            f"{setting} = '{uri}': the MLflow server did not answer within {timeout:g} s."
        ) from None
    except requests.RequestException as error:
        reason = "connection refused" if "refused" in str(error).lower() else type(error).__name__
        raise TrackingError(f"{setting} = '{uri}': the MLflow server cannot be reached ({reason}).") from None
    if not response.ok:
        raise TrackingError(
            f"{setting} = '{uri}': the MLflow server answered {response.status_code} to /health."
        )


def review_path(experiment_id: str) -> str:
    """The MLflow UI's address (after the server's root) of the experiment's review view."""
    return f"#/experiments/{experiment_id}/runs?workflowType=machine_learning&viewStateShareKey={REVIEW_VIEW}"


def model_version_path(name: str, version: str | int) -> str:
    """The MLflow UI's address (after the server's root) of a registered model version's page."""
    return f"#/models/{name}/versions/{version}?workflowType=machine_learning"


def update_review_view(experiment: Any, metric_keys: list[str]) -> None:
    """Add ``metric_keys`` as columns of ``experiment``'s review view (created on first use)."""
    import mlflow

    tag = SHARED_VIEW_TAG + REVIEW_VIEW
    found = experiment.tags.get(tag)
    view = json.loads(found) if found else {"orderByKey": "attributes.start_time", "orderByAsc": False}
    columns = view.get("selectedColumns", VIEW_COLUMNS)
    wanted = [f"metrics.`{key}`" for key in metric_keys if f"metrics.`{key}`" not in columns]
    if wanted or not found:
        view["selectedColumns"] = wanted + columns  # the newest scores first, beside the run name
        mlflow.MlflowClient().set_experiment_tag(experiment.experiment_id, tag, json.dumps(view))


def keras_signature(model: Any) -> Any:
    """The MLflow signature of a Keras model: its inputs' and outputs' tensor specs (``-1``: any size)."""
    import numpy as np
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    def schema(tensors: list[Any]) -> Any:
        named = len(tensors) > 1
        return Schema(
            [
                TensorSpec(
                    np.dtype(str(t.dtype)),
                    tuple(-1 if size is None else int(size) for size in t.shape),
                    t.name if named else None,
                )
                for t in tensors
            ]
        )

    return ModelSignature(inputs=schema(list(model.inputs)), outputs=schema(list(model.outputs)))


def _pip_requirements() -> list[str]:
    """Pin the model's runtime explicitly: MLflow's own inference imports the model in a subprocess."""
    from importlib.metadata import version

    return [f"tensorflow=={version('tensorflow')}", f"keras=={version('keras')}"]


def find_nested_run(run_name: str, parent_run_id: str | None = None) -> Any:
    """The latest nested run called ``run_name`` under ``parent_run_id`` (default: the active run)."""
    import mlflow

    parent = parent_run_id or (mlflow.active_run().info.run_id if mlflow.active_run() else None)
    if parent is None:
        return None
    experiment_id = mlflow.get_run(parent).info.experiment_id
    runs = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent}' and tags.mlflow.runName = '{run_name}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
        output_format="list",
    )
    return runs[0] if runs else None


class MlflowNestedRunDataset(AbstractDataset[dict[str, Any], str]):
    """Saves one model variant as a nested MLflow run under the active (pipeline) run.

    The saved record is a dict with any of: ``params`` (flat dict), ``tags``, ``history``
    (``{metric: [value per epoch]}``, logged as steps), ``metrics`` (final values), ``figures``
    (``{name: matplotlib Figure}`` → ``plots/<name>.png``), ``artifacts`` (``{file name: JSON-able}``)
    and ``model`` (a Keras model, logged with the ``mlflow.keras`` flavor under ``model``).
    Without an active run (tracking disabled) nothing is logged. ``load`` returns the id of the run it
    logged (``None`` when nothing was tracked): what the blessing puts in ``champion.json``.
    """

    def __init__(self, *, run_name: str, metadata: dict[str, Any] | None = None) -> None:
        self._run_name = run_name
        self._run_id: str | None = None
        self._saved = False
        self.metadata = metadata

    def save(self, data: dict[str, Any]) -> None:
        """Log ``data`` in a new nested run named ``run_name``."""
        import time

        import mlflow
        from mlflow.entities import Metric

        self._saved, self._run_id = True, None
        if mlflow.active_run() is None:
            logger.info("No active MLflow run: %s is not tracked", self._run_name)
            return
        with mlflow.start_run(run_name=self._run_name, nested=True) as run:
            self._run_id = run.info.run_id
            long = {k: v for k, v in data.get("params", {}).items() if len(str(v)) > MAX_PARAM_LENGTH}
            mlflow.set_tags({**data.get("tags", {}), **long})
            mlflow.log_params({k: v for k, v in data.get("params", {}).items() if k not in long})
            # the curves and the final scores in one request (a tracking server answers each call over HTTP)
            now = int(time.time() * 1000)
            curves = [
                Metric(key, float(value), now, step)
                for key, values in data.get("history", {}).items()
                for step, value in enumerate(values, start=1)
            ]
            finals = data.get("metrics", {})
            metrics = curves + [Metric(k, float(v), now, 0) for k, v in finals.items() if v is not None]
            for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
                batch = metrics[start : start + MAX_METRICS_PER_BATCH]
                mlflow.MlflowClient().log_batch(run.info.run_id, metrics=batch)
            for name, figure in data.get("figures", {}).items():
                mlflow.log_figure(figure, f"plots/{name}.png")
            for name, content in data.get("artifacts", {}).items():
                mlflow.log_dict(content, name)
            if data.get("model") is not None:
                info = mlflow.keras.log_model(
                    data["model"],
                    name="model",
                    pip_requirements=_pip_requirements(),
                    signature=keras_signature(data["model"]),
                )
                mlflow.set_tag("model_uri", info.model_uri)  # what the Model Registry registers
            logger.info("Logged %s as nested MLflow run %s", self._run_name, run.info.run_id)

    def load(self) -> str | None:
        """The id of the nested run this dataset logged in this ``kedro run``; in a run that did not
        train the row (``--from-nodes`` another variant), the latest nested run called ``run_name``
        under the active run, or ``None``."""
        if self._saved:
            return self._run_id
        import mlflow

        if mlflow.active_run() is None:
            return None
        run = find_nested_run(self._run_name)
        if run is None:  # the row was not run again under this run (``--from-nodes`` another variant)
            logger.info("No nested MLflow run '%s' under the active run", self._run_name)
            return None
        return run.info.run_id

    def _describe(self) -> dict[str, Any]:
        return {"run_name": self._run_name}


class MlflowArtifactDataset(AbstractDataset[Any, Any]):
    """Any file dataset (``dataset``: its catalog entry, with a ``filepath`` local or remote) whose saves are
    also logged as artifacts of the active MLflow run, under ``artifact_path``: kedro-mlflow's dataset of
    the same name, for files on any storage (a remote file is logged from a local copy).

    Without an active run (tracking disabled) the file is saved and nothing is logged.
    """

    def __init__(
        self,
        *,
        dataset: dict[str, Any],
        artifact_path: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = str(dataset["filepath"])
        self._dataset = AbstractDataset.from_config(f"artifact:{self._filepath}", dict(dataset))
        self._artifact_path = artifact_path
        self.metadata = metadata

    def save(self, data: Any) -> None:
        """Save through the wrapped dataset, then log the saved file to the active run."""
        import mlflow

        self._dataset.save(data)
        if mlflow.active_run() is not None:
            mlflow.log_artifact(
                str(storage.local_copy(self._filepath, kind="artifacts")), self._artifact_path
            )

    def load(self) -> Any:
        """Load through the wrapped dataset."""
        return self._dataset.load()

    def _exists(self) -> bool:
        return self._dataset.exists()

    def _describe(self) -> dict[str, Any]:
        return {"dataset": self._dataset._describe(), "artifact_path": self._artifact_path}


class MlflowTagsDataset(AbstractDataset[dict[str, Any], dict[str, str]]):
    """Sets a dict as tags of the active MLflow run (data fingerprints, git commit: searchable in the UI).

    Values that are not strings are stored as JSON. Without an active run nothing is logged.
    """

    def __init__(self, *, metadata: dict[str, Any] | None = None) -> None:
        self.metadata = metadata

    def save(self, data: dict[str, Any]) -> None:
        """Tag the active run with ``data``."""
        import mlflow

        if mlflow.active_run() is None:
            logger.info("No active MLflow run: tags %s are not tracked", sorted(data))
            return
        mlflow.set_tags({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})

    def load(self) -> dict[str, str]:
        """The active run's tags."""
        import mlflow

        if mlflow.active_run() is None:
            raise DatasetError("No active MLflow run to read tags from.")
        return dict(mlflow.get_run(mlflow.active_run().info.run_id).data.tags)

    def _describe(self) -> dict[str, Any]:
        return {}


class MlflowRunSummaryDataset(AbstractDataset[dict[str, Any], dict[str, Any]]):
    """Logs a run summary (``skeleton.nodes.run_summary``) to the active MLflow run: its metrics and tags,
    its name (with the run's start time) and description, and the data sets it read as MLflow dataset
    inputs (the Dataset column and lineage in the UI). An experiment with no ``mlflow.experimentKind`` tag
    gets ``custom_model_development``: the UI then opens it on its training runs, not on GenAI traces.

    Args:
        inputs: Per provenance fingerprint (``data_sha256``, ``test_sha256``...): ``name``, ``path``
            (a local path or a URL under the data root) and ``context`` (``validated``, ``test``...) of that
            data set.
            The fingerprint is the dataset's digest (its first 36 characters: MLflow's limit) and its
            ``sha256`` tag (whole).
    """

    def __init__(
        self,
        *,
        inputs: dict[str, dict[str, str]] | None = None,
        report: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._inputs = inputs or {}
        self._report = report
        self.metadata = metadata

    def save(self, data: dict[str, Any]) -> None:
        """Log ``data`` to the active run; without one nothing is logged."""
        from datetime import UTC, datetime

        import mlflow

        run = mlflow.active_run()
        if run is None:
            logger.info("No active MLflow run: the run summary '%s' is not tracked", data["name"])
            self._log_summary(data, None)
            return
        started = datetime.fromtimestamp(run.info.start_time / 1000, tz=UTC)
        mlflow.log_metrics(data["metrics"])
        mlflow.set_tags(
            data["tags"]
            | {
                "mlflow.runName": f"{data['name']} · {started:%Y-%m-%d %H:%M}",
                "mlflow.note.content": data["description"],
            }
        )
        for key, digest in data["fingerprints"].items():
            if key in self._inputs:
                self._log_input(self._inputs[key], digest)
        experiment = mlflow.get_experiment(run.info.experiment_id)
        if EXPERIMENT_KIND not in experiment.tags:  # a kind the user chose in the UI stays
            mlflow.MlflowClient().set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND, TRAINING_RUNS)
        # the summary's scores, and the same scores of the nested variant runs (``selected_`` dropped)
        nested = [key.removeprefix("selected_") for key in data["metrics"] if key.startswith("selected_")]
        update_review_view(experiment, [*data["metrics"], *nested])
        self._log_summary(data, review_path(experiment.experiment_id))

    def _log_summary(self, data: dict[str, Any], review: str | None) -> None:
        """The run's last lines: its top rows, the selection and blessing, the report, the MLflow view."""
        for line in data.get("console", []):
            logger.info("%s", line)
        if self._report:
            logger.info("Report: %s", self._report)
        if review:
            import mlflow

            uri = mlflow.get_tracking_uri()
            if uri.split(":", 1)[0] in ("http", "https"):
                logger.info("Review the runs in the MLflow UI at %s/%s", uri.rstrip("/"), review)
            else:  # a store in the project: `mlflow ui` serves it on its default port
                logger.info(
                    "Review the runs: `uv run mlflow ui --backend-store-uri %s`, then open http://127.0.0.1:5000/%s",
                    uri,
                    review,
                )

    @staticmethod
    def _log_input(entry: dict[str, str], digest: str) -> None:
        import mlflow
        from mlflow.data.dataset_source_registry import resolve_dataset_source
        from mlflow.data.meta_dataset import MetaDataset

        path = entry["path"]
        source = resolve_dataset_source(path if storage.is_remote(path) else str(Path(path).resolve()))
        dataset = MetaDataset(source=source, name=entry["name"], digest=digest[:36])
        mlflow.log_input(dataset, context=entry.get("context"), tags={"sha256": digest})

    def load(self) -> dict[str, Any]:
        raise DatasetError("A run summary is write-only: read the run's metrics and tags in MLflow.")

    def _describe(self) -> dict[str, Any]:
        return {"inputs": self._inputs}
