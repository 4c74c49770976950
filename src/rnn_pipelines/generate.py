"""``rnn-pipelines generate``: text from the exported text-generation champion (TensorFlow only).

rnn-pipelines generate "ROMEO:"                         # 300 tokens at temperature 0.8
rnn-pipelines generate "KING HENRY:" --length 500 --temperature 0.5 --top-k 10 --seed 7
rnn-pipelines generate "" --temperature 0              # greedy, from an empty prompt
rnn-pipelines generate --model path/to/savedmodel --json "To be"
rnn-pipelines generate --model models:/rnn-pipelines-text-generation@champion "ROMEO:"
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rnn_pipelines.predict import PredictError

DOMAIN = "text_generation"


def generate(model_dir: Path, request: object) -> str:
    """Run the SavedModel's ``generate`` signature on one ``generator.Sampling`` request."""
    if not (model_dir / "saved_model.pb").exists():
        raise PredictError(
            f"No exported text generator at '{model_dir}'. Train and export one with "
            "`kedro run --pipelines=text_generation`, or pass --model PATH."
        )
    from rnn_pipelines.serving import generator

    loaded = generator.load(model_dir)
    if not hasattr(loaded, generator.GENERATE):
        raise PredictError(f"'{model_dir}' has no '{generator.GENERATE}' signature: not a text generator.")
    return generator.sample(getattr(loaded, generator.GENERATE), request)


def main(argv: Sequence[str] | None = None) -> int:
    """``rnn-pipelines generate`` on ``argv``; returns the exit code (0, or 2 for a mistake)."""
    from rnn_pipelines.cli import generate, invoke

    return invoke(generate, argv, "rnn-pipelines generate")
