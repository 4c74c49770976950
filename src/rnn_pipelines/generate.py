"""``rnn-pipelines generate``: text from the exported text-generation champion (TensorFlow only).

rnn-pipelines generate "ROMEO:"                         # 300 tokens at temperature 0.8
rnn-pipelines generate "KING HENRY:" --length 500 --temperature 0.5 --top-k 10 --seed 7
rnn-pipelines generate "" --temperature 0              # greedy, from an empty prompt
rnn-pipelines generate --model path/to/savedmodel --json "To be"
rnn-pipelines generate --model models:/rnn-pipelines-text-generation@champion "ROMEO:"
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rnn_pipelines.predict import PredictError, model_dir

DOMAIN = "text_generation"


def generate(model_dir: Path, request: object) -> str:
    """Run the SavedModel's ``generate`` signature on one ``generator.Sampling`` request."""
    if not (model_dir / "saved_model.pb").exists():
        raise PredictError(
            f"No exported text generator at '{model_dir}'. Train and export one with "
            "`kedro run --pipeline=text_generation`, or pass --model PATH."
        )
    from rnn_pipelines.serving import generator

    loaded = generator.load(model_dir)
    if not hasattr(loaded, generator.GENERATE):
        raise PredictError(f"'{model_dir}' has no '{generator.GENERATE}' signature: not a text generator.")
    return generator.sample(getattr(loaded, generator.GENERATE), request)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, generate, print the text (or one JSON object with ``--json``)."""
    from rnn_pipelines.serving.generator import Sampling

    parser = argparse.ArgumentParser(
        prog="rnn-pipelines generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("prompt", help="text to continue ('' starts from a line break)")
    parser.add_argument("-n", "--length", type=int, default=300, help="tokens to generate (default 300)")
    parser.add_argument("-t", "--temperature", type=float, default=0.8, help="0 = greedy (default 0.8)")
    parser.add_argument("-k", "--top-k", type=int, default=0, help="sample among the k likeliest (0 = all)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same text")
    parser.add_argument(
        "--model",
        help="a SavedModel folder, or a registered model (models:/rnn-pipelines-text-generation@champion); "
        "default: the project's champion, wherever its data root keeps it",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object with the settings")
    args = parser.parse_args(argv)
    try:
        if args.length < 0 or args.temperature < 0 or args.top_k < 0:
            raise PredictError("--length, --temperature and --top-k must not be negative.")
        model = model_dir(args.model, DOMAIN)
        request = Sampling(args.prompt, args.length, args.temperature, args.top_k, args.seed)
        text = generate(model, request)
    except PredictError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({**request.__dict__, "text": text}, ensure_ascii=False) if args.json else text)
    return 0
