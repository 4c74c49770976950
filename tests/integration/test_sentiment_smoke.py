"""`kedro run --pipeline=sentiment --env=smoke` end to end on sampled real IMDB data (CI has the mirror)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from rnn_pipelines.pipelines.sentiment.behaviour import run_behaviour_checks
from rnn_pipelines.pipelines.sentiment.nodes import predict_texts

pytestmark = pytest.mark.real_data
ROOT = Path(__file__).resolve().parents[2]
VARIANTS = sorted(
    yaml.safe_load((ROOT / "conf/base/parameters_sentiment.yml").read_text())["sentiment"]["variants"]
)
METRIC_KEYS = {
    "val_accuracy",
    "test_accuracy",
    "test_roc_auc",
    "test_f1",
    "test_confusion_matrix",
    "parameters",
    "train_seconds",
    "epochs_run",
    "best_epoch",
}


def run(project: Path, **kwargs) -> None:
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="smoke") as session:
        session.run(pipeline_names=["sentiment"], **kwargs)


@pytest.fixture(scope="module")
def smoke_project(tmp_path_factory, mirror: Path) -> Path:
    from tests.integration.conftest import make_project_copy

    project = make_project_copy(tmp_path_factory.mktemp("sentiment"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)  # parameter paths (checkpoints) are relative to where kedro runs
        run(project)
    return project


def test_smoke_run_writes_metrics_for_every_variant(smoke_project: Path) -> None:
    reports = smoke_project / "data/08_reporting/sentiment"
    for variant in VARIANTS:
        metrics = json.loads((reports / variant / "metrics.json").read_text())
        assert METRIC_KEYS <= set(metrics), variant
        assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["epochs_run"] == 1
        assert sum(map(sum, metrics["test_confusion_matrix"])) == 500  # the sampled test split
        history = json.loads((reports / variant / "history.json").read_text())
        assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert (smoke_project / f"data/06_models/sentiment/{variant}/model.keras").stat().st_size > 0
    comparison = pd.read_csv(reports / "comparison.csv")
    assert sorted(comparison["variant"]) == sorted([*VARIANTS, "linear_tfidf"])
    assert comparison["val_accuracy"].is_monotonic_decreasing
    best = json.loads((reports / "best_variant.json").read_text())
    assert best["variant"] in VARIANTS


def test_tokenizer_and_encodings_are_saved(smoke_project: Path) -> None:
    tokenizer = json.loads((smoke_project / "data/06_models/sentiment/tokenizer.json").read_text())
    assert tokenizer["vocabulary"][:2] == ["", "[UNK]"] and len(tokenizer["vocabulary"]) == 2000
    assert (smoke_project / "data/05_model_input/sentiment/train_validation.pkl").exists()
    assert (smoke_project / "data/05_model_input/sentiment/test.pkl").exists()


def test_retraining_a_variant_reuses_the_cached_encodings(smoke_project: Path) -> None:
    cached = [
        smoke_project / "data/06_models/sentiment/tokenizer.json",
        smoke_project / "data/05_model_input/sentiment/train_validation.pkl",
    ]
    before = [path.stat().st_mtime_ns for path in cached]
    metrics = smoke_project / "data/08_reporting/sentiment/lstm/metrics.json"
    metrics_before = metrics.stat().st_mtime_ns
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(smoke_project)
        run(smoke_project, from_nodes=["sentiment.lstm.train_classifier"])
    assert [path.stat().st_mtime_ns for path in cached] == before
    assert metrics.stat().st_mtime_ns > metrics_before


def test_behaviour_checks_run_on_the_smoke_model(smoke_project: Path) -> None:
    import keras

    model = keras.models.load_model(smoke_project / "data/06_models/sentiment/lstm/model.keras")
    tokenizer = json.loads((smoke_project / "data/06_models/sentiment/tokenizer.json").read_text())
    report = run_behaviour_checks(lambda texts: predict_texts(model, tokenizer, list(texts)))
    assert set(report) == {"minimum_functionality", "invariance", "directional"}
    for family in report.values():
        assert 0.0 <= family["pass_rate"] <= 1.0 and family["cases"]
    assert all(0.0 <= case["probability"] <= 1.0 for case in report["minimum_functionality"]["cases"])
