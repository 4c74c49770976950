"""Accuracy benchmark: the full default forecasting run on the Melbourne daily minimum temperatures, or on a
station CSV you name.

Runs ``kedro run --pipelines=forecasting`` in the project (or, with ``--reuse``, reads the outputs of
the last such run), prints test MAE and RMSE in °C per variant and baseline, and the backtest: MAE per
fold of the test part, its mean and spread. Checks the targets (issues #5 and #21) on Melbourne: the best
variant beats persistence's MAE by at least 10%; MAE <= 1.60 °C (aim 1.55); ahead of ridge on the window by
more than the fold spread (the selected row's, and the spread of its fold-by-fold margin over ridge).
For scale it also prints a hindsight reference: linear models fitted on the test part's own windows (the
window plus day-of-year features; least squares and median regression), which no forecaster trained before
the test part is expected to beat.

Usage:
    RNN_PIPELINES_DATA_MIRROR=... uv run python benchmarks/forecasting_accuracy.py [--reuse] [--project DIR]
    uv run python benchmarks/forecasting_accuracy.py --csv station.csv --date-column date --target temp_min \
        [--date-format %Y/%m/%d] [--unit fahrenheit] [--resample min] [--features precipitation wind]

A run on ``--csv`` (without ``--project``) is in a scratch project of its own,
data/08_reporting/benchmarks/projects/<file name>, so this project's champion is left alone.

Figures are printed and written to data/08_reporting/benchmarks/forecasting_accuracy.json (with ``--csv``:
forecasting_accuracy_<file name>.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _full_run import run_or_reuse, save_figures

GAIN_TARGET, MAE_TARGET, MAE_AIM = 0.10, 1.60, 1.55


def add_arguments(parser: Any) -> None:
    parser.add_argument("--csv", type=Path, help="a station CSV instead of the configured source")
    parser.add_argument("--date-column", default="date", help="the CSV's date column")
    parser.add_argument("--target", default="temp_min", help="the CSV's temperature column to forecast")
    parser.add_argument("--date-format", help='e.g. "%%Y/%%m/%%d" (default: one inferred format)')
    parser.add_argument("--unit", choices=["celsius", "fahrenheit", "kelvin"], help="the CSV's unit")
    parser.add_argument("--resample", choices=["min", "mean", "max"], help="sub-daily to daily")
    parser.add_argument("--features", nargs="*", default=[], help="the CSV's covariate columns")


def params(args: Any) -> dict[str, str]:
    """``--params`` for a run on ``--csv`` (none for the configured source)."""
    if not args.csv:
        return {}
    chosen = {
        "temperature_source": "csv",
        "temperature_csv": str(args.csv.resolve()),
        "temperature_date_column": args.date_column,
        "temperature_value_column": args.target,
        # quoted: --params values are read as YAML, where a leading % starts a directive
        "temperatures_ingestion.date_format": f'"{args.date_format}"' if args.date_format else None,
        "temperatures_ingestion.unit": args.unit,
        "temperatures_ingestion.resample": args.resample,
    }
    chosen = {key: value for key, value in chosen.items() if value}
    if args.features:
        chosen["temperatures_ingestion.features"] = list(args.features)
    return chosen


def hindsight_reference(project: Path) -> dict[str, float]:
    """MAE (°C) of linear models fitted *on the test windows themselves* (window + calendar features):
    least squares (ridge) and median regression (the MAE-optimal linear fit). A reference for how much of
    the test part a window can explain, not a forecaster: it has seen the answers (and with many inputs per
    window it fits their noise too, so it is a generous reference)."""
    import pickle

    import numpy as np
    from sklearn.linear_model import QuantileRegressor, Ridge

    from rnn_pipelines.models import series

    with (project / "data/05_model_input/forecasting/windows.pkl").open("rb") as handle:
        test = pickle.load(handle)["test"]
    scaler = json.loads((project / "data/06_models/forecasting/scaler.json").read_text())
    inputs = np.hstack(
        [test["x"].reshape(len(test["x"]), -1), series.calendar_features(test["target_dates"])]
    )
    actual = series.unscale(test["y"][:, 0], scaler)
    fits = {
        "ridge": Ridge(alpha=1.0),
        "median regression": QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs"),
    }
    return {
        name: float(np.abs(model.fit(inputs, actual).predict(inputs) - actual).mean())
        for name, model in fits.items()
    }


def main() -> None:
    project, reused, run_seconds, env, args = run_or_reuse(
        __doc__, "forecasting", add_arguments, params, scratch=lambda args: args.csv and args.csv.stem
    )

    import pandas as pd

    reports = project / "data/08_reporting/forecasting"
    comparison = pd.read_csv(reports / "comparison.csv")
    best = json.loads((reports / "best_variant.json").read_text())
    # every row's scorecard with its backtest folds: the variants' metrics.json and the baselines'
    rows = json.loads((reports / "baselines.json").read_text())
    for variant in comparison.loc[comparison["kind"].isin(["rnn", "ensemble"]), "variant"]:
        rows[variant] = json.loads((reports / variant / "metrics.json").read_text())
    ridge, chosen = rows["linear_window"], rows[best["variant"]]
    # the margin over ridge fold by fold (both forecast the same origins): its mean and spread
    margins = [r - c for r, c in zip(ridge["test_mae_folds"], chosen["test_mae_folds"], strict=True)]
    margin_mean = sum(margins) / len(margins)
    margin_sd = (sum((m - margin_mean) ** 2 for m in margins) / (len(margins) - 1)) ** 0.5
    checks = {
        f"best beats persistence MAE by >= {GAIN_TARGET:.0%}": best["improvement_over_persistence"]
        >= GAIN_TARGET,
        f"best MAE <= {MAE_TARGET} °C": best["test_mae"] <= MAE_TARGET,
        f"best MAE <= {MAE_AIM} °C (aim)": best["test_mae"] <= MAE_AIM,
        "best ahead of ridge by more than its fold spread": ridge["test_mae_mean"] - chosen["test_mae_mean"]
        > chosen["test_mae_sd"],
        "best ahead of ridge by more than the spread of the fold-by-fold margin": margin_mean > margin_sd,
    }
    if args.csv:  # Melbourne's targets do not apply to another station
        checks = {name: ok for name, ok in checks.items() if "persistence" in name}
    columns = [
        "variant",
        "kind",
        "parameters",
        "epochs_run",
        "train_seconds",
        "val_mae",
        "test_mae",
        "test_rmse",
        "test_mae_mean",
        "test_mae_sd",
    ]
    print(comparison[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    origins = next(iter(rows.values()))["test_origins"]
    folds = pd.DataFrame({name: row["test_mae_folds"] for name, row in rows.items()}, index=origins)
    print("\ntest MAE (°C) per backtest fold (first forecast day):")
    print(folds.T.to_string(float_format=lambda v: f"{v:.3f}"))
    print(
        f"\nselected (by validation MAE): {best['variant']}, test MAE {best['test_mae']:.3f} °C, "
        f"{best['improvement_over_persistence']:.1%} better than persistence "
        f"({best['persistence_test_mae']:.3f} °C)"
    )
    ahead = sum(m > 0 for m in margins)
    print(
        f"margin over ridge per fold (°C): {', '.join(f'{m:+.3f}' for m in margins)}; "
        f"mean {margin_mean:+.3f}, sd {margin_sd:.3f}; ahead in {ahead} of {len(margins)} folds"
    )
    hindsight = hindsight_reference(project)
    print(
        "hindsight reference, fitted on the test windows themselves (window + calendar): "
        + ", ".join(f"{name} {mae:.3f} °C" for name, mae in hindsight.items())
    )
    for name, ok in checks.items():
        print(f"{'MET   ' if ok else 'MISSED'} {name}")

    save_figures(
        f"forecasting_accuracy_{args.csv.stem}" if args.csv else "forecasting_accuracy",
        reused,
        run_seconds,
        env=env,
        source=str(args.csv) if args.csv else "configured (Melbourne by default)",
        comparison=comparison.to_dict("records"),
        backtest={name: dict(zip(origins, row["test_mae_folds"], strict=True)) for name, row in rows.items()},
        best_variant=best,
        margin_over_ridge={"folds": margins, "mean": margin_mean, "sd": margin_sd},
        hindsight_reference=hindsight,
        targets=checks,
    )


if __name__ == "__main__":
    main()
