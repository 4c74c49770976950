"""The project's commands: ``run`` (Kedro's, also ``kedro run``), ``predict``, ``generate``, ``retrain``.

Kedro reads the ``cli`` group of this module and lets its commands replace its own, so ``kedro run`` and
``rnn-pipelines run`` are the same command. Every command prints a user's mistake (``errors.UserError``:
a parameter, the data, a refused run, unreachable storage or tracking) as its message alone and exits with
its code; a crash keeps its traceback (exit 1). ``--verbose`` or ``RNN_PIPELINES_VERBOSE=1`` shows the
traceback of a mistake too. ``rnn-pipelines --help`` lists the commands without importing this module
(``__main__.py``).
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from rnn_pipelines import errors
from rnn_pipelines.domains import BY_NAME

VERBOSE = click.Option(
    ["--verbose", "-v"],
    is_flag=True,
    help=f"Show the traceback of a user's mistake too (or set {errors.VERBOSE_VARIABLE}=1).",
)


@contextmanager
def reported(verbose: bool = False) -> Iterator[None]:
    """Print a user's mistake raised in the block as ``error: <message>`` (after its traceback with
    ``verbose``) and exit with its code; let a crash through with its traceback."""
    try:
        yield
    except Exception as error:
        mistake = errors.user_error(error)
        if mistake is None:
            raise
        if verbose or errors.verbose():
            traceback.print_exception(error)
        click.echo(f"error: {mistake}", err=True)
        sys.exit(mistake.exit_code)


def guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` taking ``verbose`` and reporting a user's mistake (``reported``)."""

    @functools.wraps(callback)
    def call(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        with reported(verbose):
            return callback(*args, **kwargs)

    return call


def make_run() -> click.Command:
    """Kedro's own ``run`` (every option of it, documented by ``kedro run --help``) with ``--verbose`` and
    a user's mistake reported as its message alone."""
    from kedro.framework.cli.project import run as kedro_run

    return click.Command(
        name="run",
        params=[*kedro_run.params, VERBOSE],
        callback=guarded(kedro_run.callback),
        help=(
            "Run a pipeline: rnn-pipelines run --pipelines=sentiment [--env=smoke] [--params key=value]. "
            "Kedro's run command (the same as `kedro run`); a mistake prints its message alone. Exit codes: "
            + errors.exit_codes()
        ),
        short_help="Run a pipeline (Kedro's run).",
        context_settings=kedro_run.context_settings,
    )


@click.command(name="predict", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("texts", nargs=-1)
@click.option("-f", "--file", "files", multiple=True, help="One review per line; '-' reads stdin.")
@click.option(
    "--model",
    help="A SavedModel folder, or a registered model (models:/rnn-pipelines-sentiment@champion); "
    "default: the project's champion, wherever its data root keeps it.",
)
@click.option(
    "--threshold", type=float, default=0.5, show_default=True, help="P(positive) at or above: positive."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.option(*VERBOSE.opts, is_flag=True, help=VERBOSE.help)
def predict(
    texts: tuple[str, ...],
    files: tuple[str, ...],
    model: str | None,
    threshold: float,
    as_json: bool,
    verbose: bool,
) -> None:
    """Score reviews with the exported sentiment champion: one line per review (label, P(positive), text).

    \b
    rnn-pipelines predict "what a wonderful film" "a dull, lifeless mess"
    rnn-pipelines predict --file reviews.txt          # one review per line; '-' reads stdin
    rnn-pipelines predict --model models:/rnn-pipelines-sentiment@champion "..."
    """
    import json

    from rnn_pipelines import predict as scoring

    with reported(verbose):
        texts_ = scoring.read_texts(texts, files)
        results = scoring.predict(scoring.model_dir(model, scoring.DOMAIN), texts_, threshold)
    for result in results:
        click.echo(
            json.dumps(result)
            if as_json
            else f"{result['label']}\t{result['probability']:.4f}\t{result['text']}"
        )


@click.command(name="generate", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("prompt")
@click.option(
    "-n", "--length", type=click.IntRange(min=0), default=300, show_default=True, help="Tokens to generate."
)
@click.option(
    "-t", "--temperature", type=click.FloatRange(min=0), default=0.8, show_default=True, help="0 = greedy."
)
@click.option(
    "-k",
    "--top-k",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Sample among the k likeliest (0 = all).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same text.")
@click.option(
    "--model",
    help="A SavedModel folder, or a registered model (models:/rnn-pipelines-text-generation@champion); "
    "default: the project's champion, wherever its data root keeps it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object with the settings.")
@click.option(*VERBOSE.opts, is_flag=True, help=VERBOSE.help)
def generate(
    prompt: str,
    length: int,
    temperature: float,
    top_k: int,
    seed: int,
    model: str | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Write text with the exported text-generation champion, continuing PROMPT ('' starts from a line break).

    \b
    rnn-pipelines generate "ROMEO:"                         # 300 tokens at temperature 0.8
    rnn-pipelines generate "KING HENRY:" --length 500 --temperature 0.5 --top-k 10 --seed 7
    rnn-pipelines generate --model models:/rnn-pipelines-text-generation@champion "ROMEO:"
    """
    import json

    from rnn_pipelines import generate as writing
    from rnn_pipelines.predict import model_dir
    from rnn_pipelines.serving.generator import Sampling

    with reported(verbose):
        request = Sampling(prompt, length, temperature, top_k, seed)
        text = writing.generate(model_dir(model, writing.DOMAIN), request)
    click.echo(json.dumps({**request.__dict__, "text": text}, ensure_ascii=False) if as_json else text)


@click.command(name="retrain", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("pipeline", type=click.Choice(sorted(BY_NAME)))
@click.option("-e", "--env", default=None, help="Kedro configuration environment (e.g. smoke).")
@click.option("--force", is_flag=True, help="Retrain even when nothing changed.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    help="Seconds to wait for a running retraining (default: refuse).",
)
@click.option(*VERBOSE.opts, is_flag=True, help=VERBOSE.help)
def retrain(pipeline: str, env: str | None, force: bool, wait: float, verbose: bool) -> None:
    """Ingest and validate PIPELINE's data, then retrain, report, export and bless only when the data, the
    parameters or the code changed since its last successful retraining (the cron entry point)."""
    from kedro.utils import find_kedro_project

    from rnn_pipelines import retraining

    project = find_kedro_project(Path.cwd())
    if project is None:
        raise click.UsageError("not inside the rnn-pipelines project; run it from the project's folder.")
    with reported(verbose):
        try:
            decision = retraining.retrain(project, pipeline, env=env, force=force, wait_seconds=wait)
        except Exception as error:
            mistake = errors.user_error(error)
            if isinstance(mistake, (errors.RunRefused, retraining.RetrainingError)):
                raise  # nothing started
            if mistake is None:
                retraining.logger.exception("Retraining of %s failed", pipeline)
            raise RetrainingFailed(pipeline, error, 1 if mistake is None else mistake.exit_code) from error
    click.echo(decision["reason"])


class RetrainingFailed(errors.UserError):
    """A retraining that started and failed: the champion is unchanged (a crash's traceback is logged)."""

    def __init__(self, pipeline: str, error: BaseException, exit_code: int) -> None:
        super().__init__(f"retraining of {pipeline} failed, champion unchanged: {error}")
        self.exit_code = exit_code


class ProjectCommands(click.Group):
    """The project's commands; ``run`` is made from Kedro's when it is first asked for: importing Kedro's
    command line configures logging, which ``predict`` and ``generate`` (whose output is the answer, on
    a machine without the project) must not."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, "run"})

    def get_command(self, ctx: click.Context | None, name: str) -> click.Command | None:
        if name == "run" and "run" not in self.commands:
            self.add_command(make_run())
        return self.commands.get(name)


@click.group(cls=ProjectCommands, name="rnn-pipelines")
def cli() -> None:
    """The project's commands (Kedro adds them to its own: `kedro run` is this `run`)."""


for command in (predict, generate, retrain):
    cli.add_command(command)


def __getattr__(name: str) -> Any:
    """``rnn_pipelines.cli.run``: where Kedro's packaged entry point looks for the project's run."""
    if name == "run":
        return cli.get_command(None, "run")
    raise AttributeError(name)


def invoke(command: click.Command, argv: Sequence[str] | None, prog: str) -> int:
    """Run ``command`` on ``argv`` as the command line does and return its exit code (tests, ``main``)."""
    try:
        command.main(args=list(argv) if argv is not None else None, prog_name=prog, standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
