"""How every sentiment candidate is scored: the same metrics and scorecard for RNNs, hybrids and baselines."""

from __future__ import annotations

from typing import Any

import numpy as np


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Accuracy, ROC AUC, F1 and the confusion matrix (rows: true 0/1, columns: predicted 0/1)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score

    predicted = (probabilities >= 0.5).astype(int)
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "roc_auc": float(roc_auc_score(labels, probabilities)),
        "f1": float(f1_score(labels, predicted)),
        "confusion_matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
    }


def untrained_summary(seconds: float, parameters: int) -> dict[str, Any]:
    """The training summary of a candidate fitted without epochs (a linear baseline, a blend)."""
    return {
        "epochs_run": None,
        "best_epoch": None,
        "train_seconds": round(seconds, 2),
        "parameters": parameters,
    }


def scorecard(
    variant: str, kind: str, validation: dict[str, Any], test: dict[str, Any], summary: dict[str, Any]
) -> dict[str, Any]:
    """One comparison record: validation accuracy (selects), test metrics (reports), training summary."""
    return {
        "variant": variant,
        "kind": kind,
        "val_accuracy": validation["accuracy"],
        "test_accuracy": test["accuracy"],
        "test_roc_auc": test["roc_auc"],
        "test_f1": test["f1"],
        "test_confusion_matrix": test["confusion_matrix"],
        **summary,
    }
