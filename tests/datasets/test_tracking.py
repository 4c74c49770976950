"""The run summary lands on the active MLflow run: metrics, tags, name, description, dataset inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnn_pipelines.datasets.tracking import MlflowRunSummaryDataset, review_path
from tests.conftest import tracking_uri

SUMMARY = {
    "name": "sentiment · gru · test accuracy 0.8800",
    "metrics": {"selected_test_accuracy": 0.88, "blessed": 1.0},
    "tags": {"selected_variant": "gru", "blessed": "true"},
    "description": "**sentiment**: selected `gru`",
    "fingerprints": {"data_sha256": "d" * 64, "test_sha256": "e" * 64},
}


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch):
    import mlflow

    monkeypatch.chdir(tmp_path)
    with tracking_uri(f"sqlite:///{tmp_path}/mlflow.db"):
        mlflow.set_experiment("tests")  # not the experiment id an earlier session left active elsewhere
        yield mlflow
        if mlflow.active_run():
            mlflow.end_run()


def test_the_summary_is_logged_to_the_active_run(tracking, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/reviews.parquet").write_bytes(b"x")
    dataset = MlflowRunSummaryDataset(
        inputs={
            "data_sha256": {"name": "imdb_reviews", "path": "data/reviews.parquet", "context": "validated"}
        }
    )
    with tracking.start_run(run_name="sentiment") as run:
        dataset.save(SUMMARY)
    logged = tracking.get_run(run.info.run_id)
    assert logged.data.metrics == SUMMARY["metrics"]
    assert logged.data.tags["selected_variant"] == "gru" and logged.data.tags["blessed"] == "true"
    assert logged.info.run_name.startswith("sentiment · gru · test accuracy 0.8800 · 20")  # + start time
    assert logged.data.tags["mlflow.note.content"] == SUMMARY["description"]
    (logged_input,) = logged.inputs.dataset_inputs  # only the configured fingerprint
    assert logged_input.dataset.name == "imdb_reviews" and logged_input.dataset.digest == "d" * 36
    assert str(tmp_path / "data/reviews.parquet") in logged_input.dataset.source
    tags = {tag.key: tag.value for tag in logged_input.tags}
    assert tags["sha256"] == "d" * 64 and tags["mlflow.data.context"] == "validated"


def test_without_an_active_run_nothing_is_logged(tracking) -> None:
    MlflowRunSummaryDataset().save(SUMMARY)  # no run: logged as a line, no error
    assert tracking.search_runs(search_all_experiments=True).empty


def test_the_experiment_opens_on_training_runs_unless_the_user_chose_otherwise(tracking) -> None:
    unmarked = tracking.create_experiment("made-before-the-tag")
    kind = {"mlflow.experimentKind": "genai_development"}
    chosen = tracking.create_experiment("chosen-in-the-ui", tags=kind)
    for experiment_id in (unmarked, chosen):
        with tracking.start_run(experiment_id=experiment_id):
            MlflowRunSummaryDataset().save(SUMMARY)
    assert tracking.get_experiment(unmarked).tags["mlflow.experimentKind"] == "custom_model_development"
    assert tracking.get_experiment(chosen).tags["mlflow.experimentKind"] == "genai_development"


def test_the_review_view_gains_the_scores_of_each_summary(tracking) -> None:
    view_tag = "mlflow.sharedViewState.training-runs"
    with tracking.start_run() as run:
        MlflowRunSummaryDataset().save(SUMMARY)
        MlflowRunSummaryDataset().save({**SUMMARY, "metrics": {"selected_test_mae": 1.7}})
    view = json.loads(tracking.get_experiment(run.info.experiment_id).tags[view_tag])
    columns = view["selectedColumns"]
    # each metric once; a nested variant run's own score (``selected_`` dropped) too; the table's own columns
    for key in ("selected_test_accuracy", "test_accuracy", "blessed", "selected_test_mae", "test_mae"):
        assert columns.count(f"metrics.`{key}`") == 1, key
    assert "tags.`selected_variant`" in columns and "attributes.`Dataset`" in columns
    assert review_path(run.info.experiment_id).endswith("viewStateShareKey=training-runs")


def test_a_variants_curves_and_scores_are_logged_in_its_nested_run(tracking) -> None:
    from rnn_pipelines.datasets.tracking import MlflowNestedRunDataset

    record = {
        "params": {"units": 8, "layers": "x" * 7000},  # a value past MLflow's limit becomes a tag
        "history": {"loss": [0.9, 0.7, 0.6], "val_loss": [1.0, 0.8, 0.75]},
        "metrics": {"test_accuracy": 0.81, "auc": None},
    }
    dataset = MlflowNestedRunDataset(run_name="gru")
    with tracking.start_run(run_name="sentiment"):
        dataset.save(record)
    nested = tracking.get_run(dataset.load())
    client = tracking.MlflowClient()
    history = client.get_metric_history(nested.info.run_id, "val_loss")
    assert [(m.step, m.value) for m in history] == [(1, 1.0), (2, 0.8), (3, 0.75)]
    assert nested.data.metrics == {"loss": 0.6, "val_loss": 0.75, "test_accuracy": 0.81}  # latest per key
    assert nested.data.params == {"units": "8"} and nested.data.tags["layers"] == "x" * 7000
    assert nested.data.tags["mlflow.parentRunId"] and nested.info.run_name == "gru"
