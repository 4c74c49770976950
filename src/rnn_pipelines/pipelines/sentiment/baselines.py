"""Linear baselines for sentiment: TF-IDF + logistic regression, and NBSVM (Wang & Manning 2012).

NBSVM is built on ``models.ngrams``: its n-grams are fingerprinted by TensorFlow ops, so the fitted
model is exported inside a SavedModel graph (as a blend member) with exactly the training features.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd

from rnn_pipelines.logs import heartbeat
from rnn_pipelines.models import ngrams
from rnn_pipelines.pipelines.sentiment.scoring import classification_metrics, scorecard, untrained_summary

logger = logging.getLogger(__name__)


def _labels(frame: pd.DataFrame) -> np.ndarray:
    return frame["label"].to_numpy(dtype=np.int64)


def train_linear_challenger(train: pd.DataFrame, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """TF-IDF (word uni+bigrams) + logistic regression on the same training split.

    Returns:
        The fitted scikit-learn pipeline and a summary (``train_seconds``, ``parameters``).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(
            ngram_range=(1, options["ngram_max"]),
            min_df=options["min_df"],
            max_features=options["max_features"],
            sublinear_tf=True,
        ),
        LogisticRegression(C=options["C"], max_iter=options["max_iter"]),
    )
    start = time.perf_counter()
    with heartbeat("linear_tfidf: fitting TF-IDF + logistic regression", log=logger):
        model.fit(train["text"].tolist(), _labels(train))
    classifier = model[-1]
    parameters = int(classifier.coef_.size + classifier.intercept_.size)
    return model, untrained_summary(time.perf_counter() - start, parameters)


def _baseline_scorecard(
    name: str, probabilities: dict[str, np.ndarray], frames: dict[str, pd.DataFrame], summary: dict[str, Any]
) -> dict[str, Any]:
    scores = {split: classification_metrics(_labels(frames[split]), probabilities[split]) for split in frames}
    metrics = scorecard(name, "linear", scores["validation"], scores["test"], summary)
    logger.info(
        "%s: val accuracy %.4f, test accuracy %.4f", name, metrics["val_accuracy"], metrics["test_accuracy"]
    )
    return metrics


def evaluate_linear_challenger(
    model: Any, validation: pd.DataFrame, test: pd.DataFrame, summary: dict[str, Any]
) -> dict[str, Any]:
    """Score the TF-IDF challenger exactly like the RNN variants."""
    frames = {"validation": validation, "test": test}
    probabilities = {split: model.predict_proba(f["text"].tolist())[:, 1] for split, f in frames.items()}
    return _baseline_scorecard("linear_tfidf", probabilities, frames, summary)


def log_count_ratio(features: Any, labels: np.ndarray, smoothing: float) -> np.ndarray:
    """Naive-Bayes log-count ratio ``r = log((p/|p|₁) / (q/|q|₁))`` with ``p = alpha + Σ_positive x``,
    ``q = alpha + Σ_negative x`` (Wang & Manning 2012, eq. 2): how much more often a feature occurs in
    positive texts."""
    positive = smoothing + np.asarray(features[labels == 1].sum(axis=0)).ravel()
    negative = smoothing + np.asarray(features[labels == 0].sum(axis=0)).ravel()
    return np.log((positive / positive.sum()) / (negative / negative.sum())).astype(np.float32)


def train_nbsvm(
    train: pd.DataFrame, validation: pd.DataFrame, options: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """NBSVM: binary word 1…``ngram_order``-grams scaled by their naive-Bayes log-count ratio, then an
    L2 logistic regression. Vocabulary and ratios come from the training split only; the
    regularisation ``C`` is the candidate with the best validation accuracy.

    Returns:
        The model (``order``, ``vocabulary`` fingerprints, per-n-gram ``weights`` = coefficient * ratio,
        ``bias``, the chosen ``C`` and each candidate's validation accuracy) and a training summary.
    """
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    order = options["ngram_order"]
    with heartbeat(f"nbsvm: counting 1- to {order}-grams", log=logger):
        vocabulary = ngrams.fit_vocabulary(train["text"].tolist(), order=order, min_df=options["min_df"])
        x_train = ngrams.binary_matrix(train["text"].tolist(), vocabulary, order=order)
        x_validation = ngrams.binary_matrix(validation["text"].tolist(), vocabulary, order=order)
    y_train, y_validation = _labels(train), _labels(validation)
    ratio = sp.diags(log_count_ratio(x_train, y_train, options["smoothing"]))
    fitted = {}
    for c in options["C"]:
        classifier = LogisticRegression(
            C=c, solver="liblinear", dual=True, max_iter=options["max_iter"], random_state=options["seed"]
        )
        with heartbeat(f"nbsvm: fitting C={c:g} ({len(fitted) + 1} of {len(options['C'])})", log=logger):
            classifier.fit(x_train @ ratio, y_train)
        fitted[c] = (classifier, float(classifier.score(x_validation @ ratio, y_validation)))
        logger.info("NBSVM C=%g: validation accuracy %.4f", c, fitted[c][1])
    best_c = max(fitted, key=lambda c: fitted[c][1])  # the first of equals: the smallest C listed first
    classifier = fitted[best_c][0]
    model = {
        "order": order,
        "vocabulary": vocabulary,
        "weights": (classifier.coef_.ravel() * ratio.diagonal()).astype(np.float32),
        "bias": np.float32(classifier.intercept_[0]),
        "C": best_c,
        "val_accuracy_by_C": {str(c): accuracy for c, (_, accuracy) in fitted.items()},
    }
    logger.info("NBSVM: %d n-grams (1 to %d words), C=%g", len(vocabulary), order, best_c)
    return model, untrained_summary(time.perf_counter() - start, len(vocabulary) + 1)


def nbsvm_logits(model: dict[str, Any], texts: list[str]) -> np.ndarray:
    """NBSVM's logits for raw texts (the same n-gram features the exported graph computes)."""
    features = ngrams.binary_matrix(texts, model["vocabulary"], order=model["order"])
    return (features @ model["weights"] + model["bias"]).astype(np.float32)


def evaluate_nbsvm(
    model: dict[str, Any], validation: pd.DataFrame, test: pd.DataFrame, summary: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score NBSVM like the RNN variants.

    Returns:
        The scorecard, and its logits per split (``{"logits": {"validation", "test"}}``) for the hybrids.
    """
    from scipy.special import expit

    frames = {"validation": validation, "test": test}
    logits = {split: nbsvm_logits(model, f["text"].tolist()) for split, f in frames.items()}
    probabilities = {split: expit(z.astype(np.float64)) for split, z in logits.items()}
    return _baseline_scorecard("nbsvm", probabilities, frames, summary), {"logits": logits}
