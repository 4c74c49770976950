"""Entry point: `python -m rnn_pipelines` and the `rnn-pipelines` command.

`rnn-pipelines predict ...` scores texts with the exported sentiment champion, `rnn-pipelines generate
...` writes text with the text-generation champion, `rnn-pipelines retrain PIPELINE` retrains when something
changed (the cron entry point); anything else goes to the project's Kedro CLI
(`rnn-pipelines run --pipeline=sentiment`).
"""

import sys
from pathlib import Path


def main(*args, **kwargs) -> None:
    """``predict`` / ``generate`` / ``retrain`` → those commands; otherwise the project's Kedro CLI."""
    if not args and sys.argv[1:2] == ["predict"]:
        from rnn_pipelines.predict import main as predict

        sys.exit(predict(sys.argv[2:]))
    if not args and sys.argv[1:2] == ["generate"]:
        from rnn_pipelines.generate import main as generate

        sys.exit(generate(sys.argv[2:]))
    if not args and sys.argv[1:2] == ["retrain"]:
        from rnn_pipelines.retraining import main as retrain

        sys.exit(retrain(sys.argv[2:]))
    from kedro.framework.cli.utils import find_run_command
    from kedro.framework.project import configure_project

    package_name = Path(__file__).parent.name
    configure_project(package_name)
    interactive = hasattr(sys, "ps1")
    kwargs["standalone_mode"] = not interactive
    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    main()
