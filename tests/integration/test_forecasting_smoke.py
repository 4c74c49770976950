"""`kedro run --pipelines=forecasting --env=smoke` end to end on the seeded synthetic series (no mirror)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader
from tests.conftest import current_version
from tests.integration.conftest import make_project_copy, parent_run, registered_champion, run_smoke

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = ProjectConfigLoader(conf_source=str(ROOT / "conf"), env="smoke", **CONFIG_LOADER_ARGS)[
    "parameters"
]["forecasting"]
VARIANTS = sorted(PARAMETERS["variants"])
ENSEMBLES = sorted(PARAMETERS["ensembles"])
BASELINES = ["linear_window", "persistence", "seasonal_naive"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = make_project_copy(tmp_path_factory.mktemp("forecasting"))
    run_smoke(project, pipeline="forecasting")
    return project


def test_smoke_run_writes_the_report_with_every_variant_and_baseline(project: Path) -> None:
    reports = project / "data/08_reporting/forecasting"
    for name in (
        "comparison.md",
        "comparison.html",
        "comparison.json",
        "forecast_vs_actual.png",
        "error_histogram.png",
        "learning_curves.png",
        "backtest.png",
    ):
        assert (reports / name).stat().st_size > 0, name
    comparison = pd.read_csv(reports / "comparison.csv")
    assert sorted(comparison["variant"]) == sorted([*VARIANTS, *ENSEMBLES, *BASELINES])
    assert comparison["val_mae"].is_monotonic_increasing
    best = json.loads((reports / "best_variant.json").read_text())
    assert best["variant"] in [*VARIANTS, *ENSEMBLES] and best["kind"] in ("rnn", "ensemble")
    assert json.loads((reports / "comparison.json").read_text())["best"] == best["variant"]
    for variant in VARIANTS:
        metrics = json.loads((reports / variant / "metrics.json").read_text())
        assert metrics["epochs_run"] == 2 and metrics["test_mae"] > 0
        # 730 synthetic days, 10% test = 73 days, minus one 30-day window: 43 next-day forecasts
        assert len(metrics["test_predictions"]) == 43
        # the backtest: 6 folds of 7 windows each (the oldest of the 43 left out), a score per fold
        assert len(metrics["test_mae_folds"]) == 6 and len(metrics["val_mae_folds"]) == 6
        assert metrics["test_mae_mean"] == pytest.approx(np.mean(metrics["test_mae_folds"]), abs=1e-3)
    assert {"test_mae_mean", "test_mae_sd"} <= set(comparison.columns)
    assert "backtest.png" in (reports / "comparison.md").read_text()


def test_an_ensemble_averages_the_top_variants_by_validation_mae(project: Path) -> None:
    reports = project / "data/08_reporting/forecasting"
    comparison = pd.read_csv(reports / "comparison.csv").set_index("variant")
    rnns = comparison[comparison["kind"] == "rnn"].sort_values("val_mae")
    assert ENSEMBLES, "conf/smoke configures an ensemble, so the smoke run covers the path"
    for ensemble in ENSEMBLES:
        blend = json.loads((project / f"data/06_models/forecasting/{ensemble}/blend.json").read_text())
        assert blend["members"] == list(rnns.index[: PARAMETERS["ensembles"][ensemble]["top"]])
        assert comparison.loc[ensemble, "kind"] == "ensemble"
        # the mean of the members' forecasts: its test forecasts are theirs averaged
        members = [json.loads((reports / m / "metrics.json").read_text()) for m in blend["members"]]
        members = [m["test_predictions"] for m in members]
        mean = json.loads((reports / ensemble / "metrics.json").read_text())["test_predictions"]
        np.testing.assert_allclose(mean, np.mean(members, axis=0), atol=2e-3)


def test_scaler_is_saved_from_the_train_part(project: Path) -> None:
    scaler = json.loads((project / "data/06_models/forecasting/scaler.json").read_text())
    train = pd.read_parquet(project / "data/03_primary/forecasting/train.parquet")
    assert scaler["offset"] == pytest.approx(train["temp_c"].mean())
    assert scaler["scale"] == pytest.approx(train["temp_c"].std(ddof=0))


def test_each_variant_has_a_nested_mlflow_run(project: Path) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project}/mlflow/mlflow.db")
    experiment = client.get_experiment_by_name("rnn-pipelines")
    runs = client.search_runs([experiment.experiment_id])
    parent = parent_run(runs, "forecasting")
    assert len(parent.data.tags["data_sha256"]) == 64 and parent.data.tags["git_commit"]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(r.info.run_name for r in children) == sorted([*VARIANTS, *ENSEMBLES])
    assert all({"val_mae", "test_mae", "test_rmse"} <= set(r.data.metrics) for r in children)


def test_smoke_run_exports_and_decides_on_the_best_forecaster(project: Path) -> None:
    reports = project / "data/08_reporting/forecasting"
    check = json.loads((reports / "export_check.json").read_text())
    assert check["passed"] and check["max_abs_difference"] <= 1e-4
    assert (current_version(project / "data/06_models/forecasting/candidate") / "saved_model.pb").exists()
    blessing = json.loads((reports / "blessing.json").read_text())
    champion = project / "data/06_models/forecasting/champion"
    persistence = pd.read_csv(reports / "comparison.csv").set_index("variant").loc["persistence", "test_mae"]
    # blessed exactly when the best variant beats persistence (there is no champion before this run)
    assert blessing["blessed"] == (blessing["record"]["test_mae"] < persistence)
    assert (champion / "current.json").exists() == blessing["blessed"]
    if blessing["blessed"]:
        assert (current_version(champion) / "champion.json").exists()


def test_the_registered_champion_serves_celsius_windows_like_the_saved_model(project: Path) -> None:
    import numpy as np

    from rnn_pipelines.serving.forecaster import serve_windows

    if not (project / "data/06_models/forecasting/champion/current.json").exists():
        pytest.skip("this smoke run kept no champion (the best variant did not beat persistence)")
    champion = current_version(project / "data/06_models/forecasting/champion")
    record = json.loads((champion / "champion.json").read_text())
    assert not record["windowing"]["calendar_features"]  # the default: a window of °C only
    model = registered_champion(project, "rnn-pipelines-forecasting")
    assert model.metadata.signature.inputs.input_names() == ["temp_c"]
    assert model.metadata.get_input_schema().inputs[0].type.to_dict()["type"] == "array"
    test = pd.read_parquet(project / "data/03_primary/forecasting/test.parquet")["temp_c"].to_numpy()
    length = record["windowing"]["sequence_length"]
    windows = np.stack([test[i : i + length] for i in range(0, len(test) - length, 7)])
    served = model.predict(pd.DataFrame({"temp_c": list(windows)}))
    np.testing.assert_allclose(served, serve_windows(champion, windows), atol=PARAMETERS["export"]["atol"])
    assert served.shape == (len(windows), record["windowing"]["horizon"])
    with pytest.raises(Exception, match=f"'temp_c' must hold {length} values per row"):
        model.predict(pd.DataFrame({"temp_c": [windows[0][:5].tolist()]}))
