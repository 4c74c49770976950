"""The README's parameters reference is the schemas' own: a key documented but not in a schema, or in a
schema but not documented, fails here."""

from __future__ import annotations

from pathlib import Path

from rnn_pipelines.schemas.reference import END, START, reference

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_reference_is_generated_from_the_schemas() -> None:
    text = README.read_text(encoding="utf-8")
    documented = text[text.index(START) : text.index(END) + len(END)]
    assert documented == reference(), "regenerate it: uv run python -m rnn_pipelines.schemas"


def test_every_key_of_the_shipped_configuration_is_in_the_reference() -> None:
    import yaml

    conf = README.parent / "conf/base"
    keys = set()

    def walk(tree: dict, prefix: str) -> None:
        for key, value in tree.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and key not in {"variants", "hybrids", "ensembles"}:
                walk(value, f"{path}.")
            else:
                keys.add(path)

    for file in conf.glob("parameters_*.yml"):
        walk(yaml.safe_load(file.read_text()), "")
    walk(yaml.safe_load((conf / "globals.yml").read_text()), "")
    walk({"default": yaml.safe_load((conf / "airflow.yml").read_text())["default"]}, "")
    documented = {line.split("`")[1] for line in reference().splitlines() if line.startswith("| `")}
    assert keys <= documented, sorted(keys - documented)
