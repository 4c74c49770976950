"""A SavedModel for a text classifier that serves raw strings: every fitted piece is in the graph.

The classifier is one RNN variant (its ``TextVectorization`` and Keras model) or a blend: members'
log-odds (an RNN's, or NBSVM's n-gram logit computed by ``models.ngrams``) weighted and summed, then
squashed to P(positive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnn_pipelines.models import ngrams, text

SIGNATURE = "serve"
# A batch served by a masking model is cut into groups of this many reviews of similar length, each read up
# to its own longest review: a large mixed batch then pays for its reviews' lengths, not for the longest.
LENGTH_GROUP = 64
EPSILON = 1e-7  # probabilities are clipped to [eps, 1 - eps] before taking log-odds (float32 saturates at 1)


def log_odds(probabilities: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` of probabilities clipped to ``[eps, 1 - eps]`` (NumPy; ``tf_log_odds`` in
    graphs)."""
    from scipy.special import logit

    return logit(np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1 - EPSILON))


def tf_log_odds(probabilities: Any) -> Any:
    """``log_odds`` as TF ops (float32 in, float32 out)."""
    import tensorflow as tf

    p = tf.clip_by_value(tf.cast(probabilities, tf.float64), EPSILON, 1 - EPSILON)
    return tf.cast(tf.math.log(p) - tf.math.log1p(-p), tf.float32)


def _rnn_probabilities(model: Any, tokenizer: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The RNN's ``texts → P(positive)`` as TF ops, and what the archive must track."""
    import tensorflow as tf

    vectorizer = text.make_vectorizer(tokenizer["vocabulary"], standardize=tokenizer["standardize"])
    vectorizer(tf.constant([""]))  # builds the layer: ExportArchive only tracks built layers
    length, truncate = tokenizer["sequence_length"], tokenizer["truncate"]
    # With a masking embedding the padding is skipped, so reviews are served in groups of similar length,
    # each at its longest review's length (as training's length buckets do): a short review no longer pays
    # for sequence_length steps, nor for the longest review of a large batch.
    masked = any(getattr(layer, "mask_zero", False) for layer in model.layers)
    masked = masked and model.inputs[0].shape[1] is None  # a model built for any length

    def score(tokens: Any) -> Any:
        return tf.cast(tf.reshape(model(tf.cast(tokens, "int32"), training=False), [-1]), tf.float32)

    def probabilities(texts: Any) -> Any:
        tokens = text.to_fixed_length(vectorizer(texts), sequence_length=length, truncate=truncate)
        if not masked:
            return score(tokens)
        return _by_length(tokens, score)

    return probabilities, [model, vectorizer]


def _by_length(tokens: Any, score: Any) -> Any:
    """``score`` of right-padded ``tokens`` (every row at least one token), computed in groups of
    ``LENGTH_GROUP`` rows of similar length, each cut after its longest row; answers in the input's order."""
    import tensorflow as tf

    lengths = tf.math.count_nonzero(tokens, axis=1, dtype=tf.int32)
    order = tf.argsort(lengths, stable=True)
    rows = tf.shape(tokens)[0]
    groups = (rows + LENGTH_GROUP - 1) // LENGTH_GROUP

    def group(i: Any, answers: Any) -> tuple[Any, Any]:
        members = order[i * LENGTH_GROUP : (i + 1) * LENGTH_GROUP]
        longest = tf.reduce_max(tf.gather(lengths, members))
        return i + 1, answers.write(i, score(tf.gather(tokens, members)[:, :longest]))

    answers = tf.TensorArray(tf.float32, size=groups, infer_shape=False, element_shape=tf.TensorShape([None]))
    _, answers = tf.while_loop(lambda i, _: i < groups, group, [tf.constant(0), answers])
    return tf.scatter_nd(order[:, None], answers.concat(), tf.reshape(rows, [1]))


class _NgramModel:
    """NBSVM's fitted arrays as TF variables, tracked by the archive like a layer's weights."""

    def __init__(self, fitted: Mapping[str, Any]) -> None:
        import tensorflow as tf

        self.module = tf.Module(name="nbsvm")
        self.module.vocabulary = tf.Variable(np.asarray(fitted["vocabulary"], np.int64), trainable=False)
        self.module.weights = tf.Variable(np.asarray(fitted["weights"], np.float32), trainable=False)
        self.module.bias = tf.Variable(np.float32(fitted["bias"]), trainable=False)
        self.order = int(fitted["order"])

    def logits(self, texts: Any) -> Any:
        m = self.module
        return ngrams.linear_logits(texts, m.vocabulary, m.weights, m.bias, order=self.order)


def _archive(serve: Any, trackables: list[Any]) -> Any:
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    for resource in trackables:
        archive.track(resource)
    archive.add_endpoint(SIGNATURE, serve, input_signature=[tf.TensorSpec([None], tf.string)])
    return archive


def export_archive(model: Any, tokenizer: dict[str, Any]) -> Any:
    """A ``keras.export.ExportArchive`` with one endpoint, ``serve``, for one RNN variant.

    ``serve`` takes a batch of raw strings (``tf.string``, shape ``[None]``) and returns the
    positive-class probability (``float32``, shape ``[None]``). The strings are standardized,
    tokenized, truncated and right-padded exactly as in training (``text.to_fixed_length``); a model
    that masks its padding reads each group of ``LENGTH_GROUP`` reviews of similar length only up to the
    group's longest review.
    """
    probabilities, trackables = _rnn_probabilities(model, tokenizer)
    return _archive(probabilities, trackables)


def export_blend_archive(
    blend: Mapping[str, Any],
    tokenizer: dict[str, Any],
    models: Mapping[str, Any],
    ngram_models: Mapping[str, Mapping[str, Any]],
) -> Any:
    """A ``serve`` endpoint (raw strings → P(positive)) for a blend of members.

    Args:
        blend: ``members``, ``weights`` (one per member) and ``bias``.
        tokenizer: The RNN members' tokenizer.
        models: Keras model of each RNN member.
        ngram_models: Fitted NBSVM of each n-gram member.
    """
    import tensorflow as tf

    scorers, trackables = [], []
    for member in blend["members"]:
        if member in ngram_models:
            ngram_model = _NgramModel(ngram_models[member])
            scorers.append(ngram_model.logits)
            trackables.append(ngram_model.module)
        else:
            probabilities, tracked = _rnn_probabilities(models[member], tokenizer)
            scorers.append(lambda texts, probabilities=probabilities: tf_log_odds(probabilities(texts)))
            trackables += tracked
    weights = tf.constant(blend["weights"], tf.float32)
    bias = tf.constant(blend["bias"], tf.float32)

    def serve(texts: Any) -> Any:
        logits = tf.stack([score(texts) for score in scorers], axis=1)
        return tf.sigmoid(tf.linalg.matvec(logits, weights) + bias)

    return _archive(serve, trackables)


def blend_probabilities(blend: Mapping[str, Any], member_logits: Sequence[np.ndarray]) -> np.ndarray:
    """P(positive) of a blend from its members' log-odds (in memory: what ``serve`` computes)."""
    stacked = np.stack([np.asarray(m, np.float64) for m in member_logits], axis=1)
    from scipy.special import expit

    return expit(stacked @ np.asarray(blend["weights"], np.float64) + blend["bias"])


def load_classifier(model_dir: str | Path, batch_size: int = 1024) -> Any:
    """Load an exported SavedModel once; returns ``texts → P(positive)`` (its ``serve`` signature, in
    batches)."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(model_dir))
    serve = getattr(loaded, SIGNATURE)

    def classify(texts: Sequence[str]) -> np.ndarray:
        _ = loaded  # keep a reference: the endpoint needs its variables
        batches = [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        outputs = [serve(tf.constant(batch, dtype=tf.string)).numpy() for batch in batches]
        return np.concatenate(outputs) if outputs else np.zeros(0, dtype=np.float32)

    return classify


def serve_texts(model_dir: str | Path, texts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
    """P(positive) for ``texts`` from an exported SavedModel's ``serve`` signature, in batches."""
    return load_classifier(model_dir, batch_size)(texts)
