"""The table of domains is what the registry, ingestion, validation and retraining are built from."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import yaml

from rnn_pipelines import retraining
from rnn_pipelines.domains import BY_NAME, DOMAINS, Domain
from rnn_pipelines.pipelines import ingestion, validation
from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

CONF = Path(__file__).resolve().parents[1] / "conf/base"


def test_every_domain_has_its_package_parameters_and_catalog_entries() -> None:
    catalog = yaml.safe_load((CONF / "catalog.yml").read_text())
    loader = ProjectConfigLoader(conf_source=str(CONF.parent), env="local", **CONFIG_LOADER_ARGS)
    parameters = loader["parameters"]
    for domain in DOMAINS:
        assert callable(import_module(f"rnn_pipelines.pipelines.{domain.name}").create_pipeline)
        section = yaml.safe_load((CONF / f"parameters_{domain.name}.yml").read_text())
        assert domain.name in section and set(section) <= set(domain.parameter_keys), domain
        assert f"{domain.dataset}_raw" in catalog and f"{domain.name}.champion" in catalog, domain
        assert set(domain.parameter_keys) <= set(parameters), domain  # wherever each section is kept


def test_a_domain_names_its_nodes_in_the_shared_modules_or_its_own() -> None:
    from rnn_pipelines.pipelines.ingestion import nodes as ingestion_nodes
    from rnn_pipelines.pipelines.validation import nodes as validation_nodes

    shared = Domain("x", "corpus", "text_corpus", "build_corpus", "validate_corpus")
    own = Domain(
        "x",
        "corpus",
        "text_corpus",
        "rnn_pipelines.pipelines.ingestion.nodes:build_corpus",
        "rnn_pipelines.pipelines.validation.nodes:validate_corpus",
    )
    for domain in (shared, own):
        assert domain.function("ingest") is ingestion_nodes.build_corpus
        assert domain.function("validate") is validation_nodes.validate_corpus


def test_ingestion_and_validation_give_each_domain_its_validated_data_set_by_tag() -> None:
    data = ingestion.create_pipeline() + validation.create_pipeline()
    for domain in DOMAINS:
        own = data.only_nodes_with_tags(domain.data)
        assert own.inputs() == {
            f"{domain.dataset}_raw",
            f"params:{domain.data}_ingestion",
            f"params:{domain.data}_validation",
        }
        assert domain.dataset in own.all_outputs()
        assert {node.name for node in own.nodes} == {
            domain.ingest.rpartition(":")[2],
            f"validate_{domain.dataset}",
            f"enforce_{domain.dataset}_validation",
        }
    assert len(data.nodes) == 3 * len(DOMAINS)


def test_retraining_knows_exactly_the_domains_and_fingerprints_their_parameters() -> None:
    assert set(BY_NAME) == {"sentiment", "forecasting", "text_generation"}
    for domain in DOMAINS:
        assert retraining.check_pipeline(domain.name) == domain.name
        parameters = dict.fromkeys(key for d in DOMAINS for key in d.parameter_keys) | {
            key: {"changed": domain.name} for key in domain.parameter_keys
        }
        others = [d for d in DOMAINS if d is not domain]
        before = retraining.fingerprint(domain.name, "text", dict.fromkeys(parameters))
        after = retraining.fingerprint(domain.name, "text", parameters)
        assert before["parameters_sha256"] != after["parameters_sha256"]
        for other in others:  # another domain's parameters do not move this domain's fingerprint
            moved = dict.fromkeys(parameters) | {
                key: 1 for key in other.parameter_keys if key not in domain.parameter_keys
            }
            assert (
                retraining.fingerprint(domain.name, "text", moved)["parameters_sha256"]
                == before["parameters_sha256"]
            )
