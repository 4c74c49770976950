"""`kedro run --pipelines=sentiment --env=smoke` end to end on sampled real IMDB data (CI has the mirror)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rnn_pipelines.pipelines.sentiment.behaviour import run_behaviour_checks
from rnn_pipelines.pipelines.sentiment.nodes import predict_texts
from tests.conftest import current_version
from tests.integration.conftest import parent_run, registered_champion, run_smoke

pytestmark = pytest.mark.real_data
ROOT = Path(__file__).resolve().parents[2]
PARAMS = yaml.safe_load((ROOT / "conf/base/parameters_sentiment.yml").read_text())["sentiment"]
VARIANTS = sorted(PARAMS["variants"])
HYBRIDS = sorted(PARAMS["hybrids"])
BASELINES = ["linear_tfidf", "nbsvm"]
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


REPORT_FILES = [
    "comparison.md",
    "comparison.html",
    "comparison.json",
    "learning_curves.png",
    "accuracy_vs_time.png",
    "confusion_matrix.png",
    "read_along.png",
    "read_along.json",
]


def test_smoke_run_writes_the_comparison_report(smoke_project: Path) -> None:
    reports = smoke_project / "data/08_reporting/sentiment"
    for name in REPORT_FILES:
        assert (reports / name).stat().st_size > 0, name
    document = json.loads((reports / "comparison.json").read_text())
    rows = {row["variant"]: row["kind"] for row in document["rows"]}
    assert rows == {v: "rnn" for v in VARIANTS} | {h: "hybrid" for h in HYBRIDS} | dict.fromkeys(
        BASELINES, "linear"
    )
    best = json.loads((reports / "best_variant.json").read_text())["variant"]
    assert document["best"] == best
    table = [line for line in (reports / "comparison.md").read_text().splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(rows)  # header, rule, one row per variant, hybrid and baseline
    assert [line for line in table if line.startswith("| ★ |")] == [
        line for line in table if f"**{best}**" in line
    ]
    assert (reports / "comparison.html").read_text().count('<tr class="best">') == 1
    readings = json.loads((reports / "read_along.json").read_text())
    assert readings and all(len(r["words"]) == len(r["probabilities"]) for r in readings)


def test_smoke_run_exports_verifies_and_blesses_the_best_variant(smoke_project: Path) -> None:
    check = json.loads((smoke_project / "data/08_reporting/sentiment/export_check.json").read_text())
    assert check["passed"] and check["max_abs_difference"] <= 1e-5 and check["inputs"] >= 8
    champion = current_version(smoke_project / "data/06_models/sentiment/champion")
    assert (champion / "saved_model.pb").exists()
    record = json.loads((champion / "champion.json").read_text())
    # one-epoch RNNs are near chance on 1,000 reviews: a blend with NBSVM wins, and is what is exported
    assert record["variant"] in HYBRIDS and record["kind"] == "hybrid"
    blend = json.loads(
        (smoke_project / f"data/06_models/sentiment/{record['variant']}/blend.json").read_text()
    )
    assert "nbsvm" in blend["members"] and len(blend["weights"]) == len(blend["members"])
    assert len(record["data_sha256"]) == 64 and record["mlflow_run_id"] and record["mlflow_variant_run_id"]
    assert record["registered_model"] == "rnn-pipelines-sentiment"


def mlflow_client(project: Path):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{project}/mlflow/mlflow.db")


def test_mlflow_holds_a_parent_run_with_one_nested_run_per_variant(smoke_project: Path) -> None:
    client = mlflow_client(smoke_project)
    experiment = client.get_experiment_by_name("rnn-pipelines")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    parent = parent_run(runs, "sentiment")
    assert parent.info.status == "FINISHED"
    # the runs table: the selected candidate's scores, the best linear row's, the blessing; a readable name
    best = json.loads((smoke_project / "data/08_reporting/sentiment/best_variant.json").read_text())
    assert parent.data.tags["selected_variant"] == best["variant"]
    assert parent.data.metrics["selected_test_accuracy"] == pytest.approx(best["test_accuracy"])
    assert {"selected_val_accuracy", "best_baseline_test_accuracy", "blessed"} <= set(parent.data.metrics)
    assert parent.data.tags["best_baseline"] in BASELINES and parent.data.tags["blessing_reason"]
    assert parent.info.run_name.startswith(f"sentiment · {best['variant']} · test accuracy ")
    inputs = {i.dataset.name: i for i in parent.inputs.dataset_inputs}
    assert sorted(inputs) == ["imdb_reviews", "sentiment.test"]
    assert inputs["imdb_reviews"].dataset.digest == parent.data.tags["data_sha256"][:36]
    assert len(parent.data.tags["data_sha256"]) == 64 and parent.data.tags["git_commit"]
    assert parent.data.params["sentiment.training.epochs"] == "1"
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(r.info.run_name for r in children) == sorted([*VARIANTS, *HYBRIDS])
    for child in (c for c in children if c.info.run_name in HYBRIDS):
        assert child.data.tags["kind"] == "hybrid" and "nbsvm" in child.data.params["blend.members"]
        assert {"test_accuracy", "val_accuracy"} <= set(child.data.metrics)
    for child in (c for c in children if c.info.run_name in VARIANTS):
        assert {"test_accuracy", "val_accuracy", "parameters", "train_seconds"} <= set(child.data.metrics)
        assert len(client.get_metric_history(child.info.run_id, "val_loss")) == 1  # one epoch
        assert child.data.params["training.epochs"] == "1"
        plots = {a.path for a in client.list_artifacts(child.info.run_id, "plots")}
        assert plots == {"plots/learning_curves.png", "plots/confusion_matrix.png"}
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "report")}
    assert {f"report/{name}" for name in REPORT_FILES} <= artifacts
    exported = {a.path for a in client.list_artifacts(parent.info.run_id, "export")}
    assert {"export/export_check.json", "export/blessing.json", "export/behaviour.json"} <= exported
    assert "tokenizer.json" in {a.path for a in client.list_artifacts(parent.info.run_id)}
    alias = client.get_model_version_by_alias("rnn-pipelines-sentiment", "champion")
    champion = current_version(smoke_project / "data/06_models/sentiment/champion")
    record = json.loads((champion / "champion.json").read_text())
    assert int(alias.version) == record["registered_version"]
    # the version page says what it is and why it was blessed
    assert alias.tags["variant"] == record["variant"] and alias.tags["kind"] == record["kind"]
    assert float(alias.tags["test_accuracy"]) == record["metrics"]["test_accuracy"]
    blessing = json.loads((smoke_project / "data/08_reporting/sentiment/blessing.json").read_text())
    assert alias.description == blessing["reason"]


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
        run_smoke(smoke_project, from_nodes=["sentiment.lstm.train_classifier"])
    assert [path.stat().st_mtime_ns for path in cached] == before
    assert metrics.stat().st_mtime_ns > metrics_before


def test_the_registered_champion_serves_raw_text_like_the_saved_model(smoke_project: Path) -> None:
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    model = registered_champion(smoke_project, "rnn-pipelines-sentiment")
    assert model.metadata.signature.inputs.input_names() == ["text"]
    reviews = ["what a wonderful film", "a dull, lifeless mess", ""]
    served = model.predict(pd.DataFrame({"text": reviews}))
    loaded = tf.saved_model.load(str(current_version(smoke_project / "data/06_models/sentiment/champion")))
    np.testing.assert_allclose(served, loaded.serve(tf.constant(reviews)).numpy(), atol=1e-5)


def test_behaviour_checks_run_on_the_exported_candidate(smoke_project: Path) -> None:
    report = json.loads((smoke_project / "data/08_reporting/sentiment/behaviour.json").read_text())
    assert set(report) == {"minimum_functionality", "invariance", "directional"}
    assert len(report["minimum_functionality"]["cases"]) == 6


def test_behaviour_checks_run_on_the_smoke_model(smoke_project: Path) -> None:
    import keras

    model = keras.models.load_model(smoke_project / "data/06_models/sentiment/lstm/model.keras")
    tokenizer = json.loads((smoke_project / "data/06_models/sentiment/tokenizer.json").read_text())
    report = run_behaviour_checks(lambda texts: predict_texts(model, tokenizer, list(texts)))
    assert set(report) == {"minimum_functionality", "invariance", "directional"}
    for family in report.values():
        assert 0.0 <= family["pass_rate"] <= 1.0 and family["cases"]
    assert all(0.0 <= case["probability"] <= 1.0 for case in report["minimum_functionality"]["cases"])
