"""``rnn-pipelines predict``: sentiment of raw texts from the exported champion (TensorFlow only).

rnn-pipelines predict "what a wonderful film" "a dull, lifeless mess"
rnn-pipelines predict --file reviews.txt          # one review per line; '-' reads stdin
rnn-pipelines predict --json --model path/to/savedmodel "..."
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DOMAIN = "sentiment"  # its catalog names the champion (`sentiment.champion`), candidate and blessing


class PredictError(RuntimeError):
    """A user error: no model, unreadable input, nothing to score."""


def _catalog(project: Path) -> dict[str, Any]:
    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    return ProjectConfigLoader(conf_source=str(project / "conf"), **CONFIG_LOADER_ARGS)["catalog"]


def _entry(catalog: dict[str, Any], name: str) -> dict[str, Any]:
    """A dataset's configuration, resolved through the catalog's dataset factories as Kedro does."""
    from kedro.io.catalog_config_resolver import CatalogConfigResolver

    resolver = CatalogConfigResolver(
        catalog, default_runtime_patterns={"{default}": {"type": "MemoryDataset"}}
    )
    return resolver.resolve_pattern(name)


def default_model_dir(project: Path, domain: str = DOMAIN, catalog: dict[str, Any] | None = None) -> Path:
    """The champion folder the project's catalog names (``<domain>.champion``'s ``path``)."""
    return project / _entry(catalog or _catalog(project), f"{domain}.champion")["path"]


def why_no_champion(project: Path, domain: str, catalog: dict[str, Any] | None = None) -> str:
    """Why ``domain`` has no champion (the last blessing's reason) and what to use instead."""
    catalog = catalog or _catalog(project)
    champion = project / _entry(catalog, f"{domain}.champion")["path"]
    candidate = project / _entry(catalog, f"{domain}.candidate_model")["filepath"]
    blessing = project / _entry(catalog, f"{domain}.blessing")["dataset"]["filepath"]
    message = f"No {domain} champion at '{champion}'"
    if not blessing.exists():
        return (
            f"{message}: no run has exported one yet. Train and export one with "
            f"`kedro run --pipeline={domain}`, or pass --model PATH."
        )
    reason = json.loads(blessing.read_text(encoding="utf-8")).get("reason", "no reason recorded")
    hint = (
        f" Its exported candidate is at '{candidate}':"
        f" pass `--model {candidate.relative_to(project)}` to use it."
        if (candidate / "saved_model.pb").exists()
        else ""
    )
    return f"{message}: the last run kept none ({reason}).{hint}"


def project_model_dir(domain: str) -> Path:
    """The champion folder of the project the command runs in (found from the working directory).

    Raises:
        PredictError: Not inside the project, or the project has no champion (the message says why,
            and how to use the last run's exported candidate instead).
    """
    from kedro.utils import find_kedro_project

    project = find_kedro_project(Path.cwd())
    if project is None:
        raise PredictError("Not inside the rnn-pipelines project: run from it or pass --model PATH.")
    catalog = _catalog(project)
    model_dir = default_model_dir(project, domain, catalog)
    if not (model_dir / "saved_model.pb").exists():
        raise PredictError(why_no_champion(project, domain, catalog))
    return model_dir


def read_texts(texts: Sequence[str], files: Sequence[str]) -> list[str]:
    """The texts to score: arguments first, then every non-blank line of each file (``-``: stdin)."""
    collected = list(texts)
    for name in files:
        if name == "-":
            lines = sys.stdin.read().splitlines()
        else:
            path = Path(name)
            if not path.is_file():
                raise PredictError(f"Input file '{path}' does not exist.")
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError as error:
                raise PredictError(f"Input file '{path}' is not UTF-8 text ({error}).") from error
        collected += [line for line in lines if line.strip()]
    if not collected:
        raise PredictError("Nothing to score: give texts as arguments or --file FILE (one review per line).")
    return collected


def predict(model_dir: Path, texts: list[str], threshold: float = 0.5) -> list[dict[str, Any]]:
    """Score ``texts`` with the SavedModel's ``serve`` signature: label and positive probability each."""
    if not (model_dir / "saved_model.pb").exists():
        raise PredictError(
            f"No exported sentiment model at '{model_dir}'. Train and export one with "
            "`kedro run --pipeline=sentiment`, or pass --model PATH."
        )
    from rnn_pipelines.serving.text_classifier import serve_texts

    probabilities = serve_texts(model_dir, texts)
    return [
        {"label": "positive" if p >= threshold else "negative", "probability": round(float(p), 6), "text": t}
        for t, p in zip(texts, probabilities, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, score, print one line per text (tab-separated, or JSON lines with ``--json``)."""
    parser = argparse.ArgumentParser(
        prog="rnn-pipelines predict",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("texts", nargs="*", help="reviews to score")
    parser.add_argument(
        "-f", "--file", action="append", default=[], help="one review per line; '-' for stdin"
    )
    parser.add_argument("--model", type=Path, help="SavedModel folder (default: the project's champion)")
    parser.add_argument("--threshold", type=float, default=0.5, help="P(positive) at or above → positive")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    args = parser.parse_args(argv)
    try:
        texts = read_texts(args.texts, args.file)
        if args.model is None:
            args.model = project_model_dir(DOMAIN)
        results = predict(args.model, texts, args.threshold)
    except PredictError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for result in results:
        line = (
            json.dumps(result)
            if args.json
            else f"{result['label']}\t{result['probability']:.4f}\t{result['text']}"
        )
        print(line)
    return 0
