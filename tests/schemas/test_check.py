"""The parameters' schemas: every shipped configuration passes; each malformed value is named with its
key path, value, rule and source, all of them in one error."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from rnn_pipelines.domains import DOMAINS
from rnn_pipelines.schemas import ParameterError, check_parameters, problems, sections_of
from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

CONF = Path(__file__).resolve().parents[2] / "conf"
ALL = [key for domain in DOMAINS for key in domain.parameter_keys]


def parameters(env: str) -> dict:
    return ProjectConfigLoader(conf_source=str(CONF), env=env, **CONFIG_LOADER_ARGS)["parameters"]


@pytest.mark.parametrize("env", ["local", "smoke", "gpu"])
def test_every_shipped_configuration_passes(env: str) -> None:
    assert problems(parameters(env), ALL, conf=CONF, env=env) == []


def test_the_users_malformed_values_are_all_named_in_one_error() -> None:
    """The five values of issue #19's table, given with --params at once."""
    runtime = {
        "sentiment.training.epochs": 0,
        "sentiment.split.validation_size": 1.5,
        "sentiment.tokenization.max_tokens": "abc",
        "sentiment.training.batch_size": -4,
        "forecasting.windowing.horizon": 0,
    }
    values = copy.deepcopy(parameters("smoke"))
    for key, value in runtime.items():
        section, group, name = key.split(".")
        values[section][group][name] = value
    with pytest.raises(ParameterError) as raised:
        check_parameters(values, ["sentiment", "forecasting"], conf=CONF, env="smoke", runtime=runtime)
    message = str(raised.value)
    assert message.startswith("5 parameter problem(s); nothing was run:")
    for line in (
        "sentiment.training.epochs = 0: Input should be greater than 0 (from --params)",
        "sentiment.split.validation_size = 1.5: Input should be less than 1 (from --params)",
        "sentiment.tokenization.max_tokens = 'abc': Input should be a valid integer",
        "sentiment.training.batch_size = -4: Input should be greater than 0 (from --params)",
        "forecasting.windowing.horizon = 0: Input should be greater than 0 (from --params)",
    ):
        assert line in message


def sentiment_problems_after_editing_base(tmp_path: Path, old: str, new: str) -> list[str]:
    """The sentiment section's problems (smoke environment) once ``old`` is replaced by ``new`` in a copy
    of ``conf/base/parameters_sentiment.yml``."""
    conf = _copy(tmp_path)
    file = conf / "base/parameters_sentiment.yml"
    assert old in file.read_text()
    file.write_text(file.read_text().replace(old, new))
    values = ProjectConfigLoader(conf_source=str(conf), env="smoke", **CONFIG_LOADER_ARGS)["parameters"]
    return problems(values, ["sentiment"], conf=conf, env="smoke")


def test_a_misspelt_key_is_named_with_its_file_and_a_suggestion(tmp_path: Path) -> None:
    found = sentiment_problems_after_editing_base(
        tmp_path, "early_stopping_patience: 2", "early_stoping_patience: 2"
    )
    assert (
        "sentiment.training.early_stoping_patience: not a known key; did you mean 'early_stopping_patience'? "
        "(from conf/base/parameters_sentiment.yml)" in found
    )
    assert "sentiment.training.early_stopping_patience: a required key is missing" in " ".join(found)


def test_a_value_is_traced_to_the_environment_that_set_it() -> None:
    values = copy.deepcopy(parameters("smoke"))
    values["sentiment"]["training"]["epochs"] = 0  # as if conf/smoke said so: smoke sets epochs
    assert problems(values, ["sentiment"], conf=CONF, env="smoke") == [
        "sentiment.training.epochs = 0: Input should be greater than 0 "
        "(from conf/smoke/parameters_sentiment.yml)"
    ]


@pytest.mark.parametrize(
    ("section", "change", "expected"),
    [
        ("forecasting", {"split": {"fractions": {"train": 0.8, "validation": 0.3}}}, "must stay below 1"),
        ("forecasting", {"scaling": {"method": "robust"}}, "Input should be 'standard' or 'minmax'"),
        ("sentiment", {"tokenization": {"truncate": "middle"}}, "Input should be 'pre' or 'post'"),
        ("sentiment", {"training": {"distribution": "multiworker"}}, "'default' or 'mirrored'"),
        ("sentiment", {"report": {"read_along": {"variant": "lsmt"}}}, "'lsmt' is not a variant"),
        (
            "sentiment",
            {"hybrids": {"mix": {"blend": ["gru", "svm"]}}},
            "sentiment.hybrids.mix.blend = ['gru', 'svm']: ['svm'] are not variants or nbsvm",
        ),
        ("forecasting", {"ensembles": {"mix": {"members": ["gru", "arima"]}}}, "['arima'] are not variants"),
        ("forecasting", {"ensembles": {"mix": {"top": 2, "members": ["gru", "lstm"]}}}, "exactly one of top"),
        (
            "forecasting",
            {"ensembles": {"gru": {"top": 2}}},
            "ensembles.gru = {'top': 2}: the name is already a",
        ),
        ("forecasting", {"ensembles": {"mix": {"members": ["gru", "gru"]}}}, "['gru'] named more than once"),
        (
            "sentiment",
            {"hybrids": {"gru": {"blend": ["lstm", "nbsvm"]}}},
            "hybrids.gru = {'blend': ['lstm', ",
        ),
        ("forecasting", {"ensembles": {"mix": {"top": 1}}}, "Input should be greater than or equal to 2"),
        ("sentiment", {"variants": {"lstm": {"layers": []}}}, "List should have at least 1 item"),
        ("sentiment", {"variants": {"lstm": {"training": {"checkpoint_dir": "x"}}}}, "not a known key"),
        ("temperatures_validation", {"min_celsius": 60.0}, "must be below max_celsius"),
        ("temperatures_ingestion", {"unit": "farenheit"}, "'celsius', 'fahrenheit' or 'kelvin'"),
        ("temperatures_ingestion", {"resample": "median"}, "'min', 'mean' or 'max'"),
        ("temperatures_ingestion", {"features": ["wind", "wind"]}, "lists ['wind'] more than once"),
        ("temperatures_validation", {"feature_ranges": {"wind": [60, 0]}}, "60.0 must be below 0.0"),
    ],
)
def test_rules_across_fields_and_known_values(section: str, change: dict, expected: str) -> None:
    values = copy.deepcopy(parameters("local"))

    def merge(target: dict, update: dict) -> None:
        for key, value in update.items():
            nested = key not in ("hybrids", "ensembles")  # a row's spec is replaced, not merged
            if isinstance(value, dict) and isinstance(target.get(key), dict) and nested:
                merge(target[key], value)
            else:
                target[key] = value

    merge(values[section], change)
    assert expected in " ".join(problems(values, [section]))


def test_a_rule_across_fields_names_its_own_key_and_file_not_the_whole_section(tmp_path: Path) -> None:
    found = sentiment_problems_after_editing_base(tmp_path, "      variant: lstm", "      variant: lsmt")
    assert len(found) == 1 and found[0].startswith(
        "sentiment.report.read_along.variant = 'lsmt': 'lsmt' is not a variant (variants: "
    )
    assert found[0].endswith("(from conf/base/parameters_sentiment.yml)")
    assert len(found[0]) < 250  # the section's whole value is not printed


def test_a_pipeline_is_checked_on_the_sections_its_nodes_read() -> None:
    from rnn_pipelines.pipelines import forecasting, ingestion, validation

    data = ingestion.create_pipeline() + validation.create_pipeline()
    assert sections_of(data.only_nodes_with_tags("imdb")) == ["imdb_ingestion", "imdb_validation"]
    assert sections_of(forecasting.create_pipeline(variants=["gru"], **{})) == [
        "forecasting",
        "temperatures_ingestion",
        "temperatures_validation",
    ]


def _copy(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(CONF, tmp_path / "conf")
    return tmp_path / "conf"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("source: melbourne", "source: sydney", "sources.temperatures.source = 'sydney': Input should be"),
        ("source: melbourne", "source: csv", "source: csv needs csv.filepath"),
        (
            "days: 3650",
            "days: -1",
            "sources.temperatures.synthetic.days = -1: Input should be greater than 0",
        ),
        (
            "lock_lease_seconds: 60",
            "lock_lease_seconds: soon",
            "lock_lease_seconds = 'soon': Input should be a valid number",
        ),
    ],
)
def test_the_data_sources_in_globals_are_checked_when_the_configuration_loads(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    conf = _copy(tmp_path)
    file = conf / "base/globals.yml"
    file.write_text(file.read_text().replace(old, new))
    with pytest.raises(ParameterError) as raised:
        ProjectConfigLoader(conf_source=str(conf), env="local", **CONFIG_LOADER_ARGS)
    assert expected in str(raised.value) and "(from conf/base/globals.yml)" in str(raised.value)


def test_the_airflow_settings_are_checked_when_kedro_airflow_reads_them(tmp_path: Path) -> None:
    conf = _copy(tmp_path)
    file = conf / "base/airflow.yml"
    file.write_text(
        file.read_text().replace("max_active_runs: 1", "max_active_runs: 0").replace("retries:", "retris:")
    )
    loader = ProjectConfigLoader(conf_source=str(conf), env="local", **CONFIG_LOADER_ARGS)
    loader.config_patterns["airflow"] = ["airflow*", "airflow/**"]  # what kedro-airflow adds
    with pytest.raises(ParameterError) as raised:
        loader["airflow"]
    message = str(raised.value)
    assert (
        "airflow: default.max_active_runs = 0: Input should be greater than 0 (from conf/base/airflow.yml)"
        in message
    )
    assert (
        "airflow: default.retris: not a known key; did you mean 'retries'? (from conf/base/airflow.yml)"
        in message
    )
