"""Entry point: ``rnn-pipelines`` and ``python -m rnn_pipelines``.

``rnn-pipelines --help`` lists the commands from the table below without importing them (Kedro,
TensorFlow); a command is imported when it runs or shows its own ``--help``. The commands live in
``rnn_pipelines.cli``, which Kedro also reads: ``kedro run`` is ``rnn-pipelines run``.
"""

from __future__ import annotations

import click

from rnn_pipelines.errors import exit_codes

# name → its one-line summary in `rnn-pipelines --help`
COMMANDS = {
    "run": "Run a pipeline: rnn-pipelines run --pipelines=sentiment (Kedro's `kedro run`).",
    "predict": "Score reviews with the exported sentiment champion.",
    "generate": "Write text with the exported text-generation champion.",
    "retrain": "Retrain a pipeline when its data, parameters or code changed (cron).",
}


class Commands(click.Group):
    """A group whose commands are imported only when one is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        if name == "run":  # Kedro's run command needs the project's settings
            from kedro.framework.project import configure_project

            configure_project(__package__ or "rnn_pipelines")
        from rnn_pipelines import cli

        return cli.cli.get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))


@click.group(
    cls=Commands,
    name="rnn-pipelines",
    context_settings={"help_option_names": ["-h", "--help"]},
    help="rnn-pipelines: train, compare, export and serve recurrent networks for sentiment, text generation "
    f"and temperature forecasting. Exit codes: {exit_codes()} Each command's --verbose shows a mistake's "
    "traceback too.",
)
def main() -> None:
    """The project's commands (``COMMANDS``), each imported when it is used."""


if __name__ == "__main__":
    main()
