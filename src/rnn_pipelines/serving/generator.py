"""Text generation and scoring around a next-token model, in TensorFlow ops so the same functions run in
memory (report samples, evaluation) and inside the exported SavedModel.

The model maps token ids ``[batch, time]`` to next-token logits ``[batch, time, vocabulary + 1]``;
``tokenizer`` is ``{"level", "vocabulary", "sequence_length"}`` (see ``models.language``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnn_pipelines.models import language

GENERATE = "generate"
SCORE = "score"
SCORE_BATCH = 64  # windows per model call when scoring a long text


@dataclass(frozen=True)
class Sampling:
    """One generation request: ``length`` new tokens after ``prompt``; ``temperature`` 0 is greedy,
    ``top_k`` 0 samples from the whole vocabulary; ``seed`` makes the sample reproducible."""

    prompt: str
    length: int
    temperature: float = 1.0
    top_k: int = 0
    seed: int = 0

    def arguments(self) -> list[tuple[Any, str]]:
        """The ``generate`` signature's inputs as ``(value, dtype)`` pairs."""
        return [
            (self.prompt, "string"),
            (self.length, "int32"),
            (self.temperature, "float32"),
            (self.top_k, "int32"),
            (self.seed, "int64"),
        ]


def signatures() -> dict[str, list[Any]]:
    """Input signatures of the two endpoints (all scalars)."""
    import tensorflow as tf

    return {
        GENERATE: [
            tf.TensorSpec([], tf.string, name="prompt"),
            tf.TensorSpec([], tf.int32, name="length"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int32, name="top_k"),
            tf.TensorSpec([], tf.int64, name="seed"),
        ],
        SCORE: [tf.TensorSpec([], tf.string, name="text")],
    }


class LanguageModelFunctions:
    """``generate`` and ``score`` for one model and tokenizer, plus the lookups they need tracked."""

    def __init__(self, model: Any, tokenizer: dict[str, Any]) -> None:
        import tensorflow as tf

        self.model = model
        self.level = language.check_level(tokenizer["level"])
        self.length = int(tokenizer["sequence_length"])
        self.to_id = language.lookup(tokenizer["vocabulary"])
        self.to_token = language.lookup(tokenizer["vocabulary"], invert=True)
        self.size = len(tokenizer["vocabulary"]) + 1
        self.start_id = self.to_id(tf.constant("\n"))  # context for an empty prompt
        self.to_token(tf.constant([0], dtype=tf.int64))  # build both lookups before tracking

    def _next_logits(self, context: Any) -> Any:
        import tensorflow as tf

        logits = tf.cast(self.model(context[None, :], training=False)[0, -1], tf.float32)
        # never emit [UNK]: it has no text
        return tf.tensor_scatter_nd_update(logits, [[language.UNKNOWN_ID]], [float("-inf")])

    def _choose(self, logits: Any, temperature: Any, top_k: Any, seed: Any, step: Any) -> Any:
        import tensorflow as tf

        greedy = tf.argmax(logits, output_type=tf.int64)
        k = tf.where((top_k > 0) & (top_k < self.size), top_k, self.size)
        cutoff = tf.math.top_k(logits, k=k).values[-1]
        kept = tf.where(logits < cutoff, float("-inf"), logits)
        scaled = kept / tf.maximum(temperature, 1e-6)
        draw = tf.random.stateless_categorical(
            scaled[None, :], 1, seed=tf.stack([seed, tf.cast(step, tf.int64)]), dtype=tf.int64
        )[0, 0]
        return tf.where(temperature > 0, draw, greedy)

    def generate(self, prompt: Any, length: Any, temperature: Any, top_k: Any, seed: Any) -> Any:
        """``prompt`` followed by ``length`` generated tokens, as one string."""
        import tensorflow as tf

        ids = self.to_id(language.tokens(prompt, self.level))
        context = tf.cond(tf.size(ids) > 0, lambda: ids, lambda: tf.reshape(self.start_id, [1]))
        produced = tf.TensorArray(tf.int64, size=tf.maximum(length, 0))

        def step(i: Any, context: Any, produced: Any) -> tuple[Any, Any, Any]:
            token = self._choose(self._next_logits(context), temperature, top_k, seed, i)
            context = tf.concat([context, token[None]], axis=0)[-self.length :]
            return i + 1, context, produced.write(i, token)

        _, _, produced = tf.while_loop(
            lambda i, *_: i < length,
            step,
            (tf.constant(0), context[-self.length :], produced),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape(None)),
        )
        continuation = language.join(self.to_token(produced.stack()), self.level)
        if self.level == "word":  # a space between the prompt and a following word
            needs_space = tf.strings.regex_full_match(
                continuation, r"(?s)\w.*"
            ) & tf.strings.regex_full_match(prompt, r"(?s).*\S")
            continuation = tf.where(needs_space, " " + continuation, continuation)
        return prompt + continuation

    def score(self, text: Any) -> tuple[Any, Any]:
        """Total cross-entropy in nats of every next token of ``text`` and how many tokens were predicted,
        over consecutive windows of ``sequence_length`` (as validation is windowed in training)."""
        import tensorflow as tf

        ids = tf.cast(self.to_id(language.tokens(text, self.level)), tf.int32)
        starts = tf.range(0, tf.maximum(tf.size(ids) - self.length, 0), self.length)
        offsets = tf.range(self.length)
        batches = (tf.size(starts) + SCORE_BATCH - 1) // SCORE_BATCH

        def step(b: Any, total: Any) -> tuple[Any, Any]:
            first = starts[b * SCORE_BATCH : (b + 1) * SCORE_BATCH][:, None] + offsets[None, :]
            logits = tf.cast(self.model(tf.gather(ids, first), training=False), tf.float32)
            nats = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.gather(ids, first + 1), logits)
            return b + 1, total + tf.reduce_sum(tf.cast(nats, tf.float64))

        _, total = tf.while_loop(
            lambda b, _: b < batches, step, (tf.constant(0), tf.constant(0.0, tf.float64))
        )
        return total, tf.cast(tf.size(starts) * self.length, tf.int64)


def in_memory(model: Any, tokenizer: dict[str, Any]) -> tuple[Any, Any]:
    """Compiled ``generate`` and ``score`` functions over an in-memory model."""
    import tensorflow as tf

    functions = LanguageModelFunctions(model, tokenizer)
    specs = signatures()
    return (
        tf.function(functions.generate, input_signature=specs[GENERATE]),
        tf.function(functions.score, input_signature=specs[SCORE]),
    )


def sample(generate: Any, request: Sampling) -> str:
    """Run a ``generate`` function (in memory or from a SavedModel) on one request."""
    import tensorflow as tf

    values = [tf.constant(value, dtype=dtype) for value, dtype in request.arguments()]
    return generate(*values).numpy().decode("utf-8")


def nats(score: Any, text: str) -> dict[str, float]:
    """A ``score`` function's result on ``text`` as nats per token and per character, and perplexity."""
    import math

    import tensorflow as tf

    total, count = (float(v) for v in score(tf.constant(text)))
    if count == 0:
        raise ValueError(f"a text of {len(text)} characters is shorter than one window")
    per_token = total / count
    return {
        "nats_per_token": per_token,
        "perplexity": math.exp(per_token),
        "nats_per_char": total / len(text),
        "tokens": int(count),
    }


def export_archive(model: Any, tokenizer: dict[str, Any]) -> Any:
    """A ``keras.export.ExportArchive`` with two endpoints.

    ``generate(prompt: string, length: int32, temperature: float32, top_k: int32, seed: int64) → string``:
    the prompt followed by ``length`` sampled tokens (temperature 0: greedy; top_k 0: no cut-off).
    ``score(text: string) → (total_nats: float64, tokens: int64)``: the model's cross-entropy on ``text``.
    """
    import keras

    functions = LanguageModelFunctions(model, tokenizer)
    specs = signatures()
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(functions.to_id)
    archive.track(functions.to_token)
    archive.add_endpoint(GENERATE, functions.generate, input_signature=specs[GENERATE])
    archive.add_endpoint(SCORE, functions.score, input_signature=specs[SCORE])
    return archive


def load(model_dir: str | Path) -> Any:
    """The exported generator (keep the returned object alive while using its endpoints)."""
    import tensorflow as tf

    return tf.saved_model.load(str(model_dir))
