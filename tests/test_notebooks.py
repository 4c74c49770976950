"""The notebooks' helpers (``rnn_pipelines.notebooks``), and the notebooks kept without outputs in git."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnn_pipelines import notebooks as nb

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebooks_are_committed_without_outputs(notebook: Path) -> None:
    document = json.loads(notebook.read_text(encoding="utf-8"))
    code = [cell for cell in document["cells"] if cell["cell_type"] == "code"]
    dirty = [i for i, cell in enumerate(code) if cell["outputs"] or cell["execution_count"] is not None]
    assert not dirty, f"{notebook.name}: code cells {dirty} keep outputs; clear them before committing"
    assert document["metadata"]["kernelspec"]["name"] == "python3"
    first = "".join(document["cells"][0]["source"])
    assert first.startswith("# ") and "**Needs**" in first  # says at the top what it needs


def test_need_names_the_missing_dataset_and_the_run_that_makes_it(tmp_path: Path) -> None:
    from kedro.io import DataCatalog
    from kedro_datasets.json import JSONDataset

    catalog = DataCatalog({"sentiment.blessing": JSONDataset(filepath=str(tmp_path / "absent.json"))})
    with pytest.raises(nb.MissingOutput) as missing:
        nb.need(catalog, "sentiment.blessing", "sentiment")
    assert "'sentiment.blessing' is not there yet" in str(missing.value)
    assert "kedro run --pipelines=sentiment --env=smoke" in str(missing.value)
    assert missing.value._render_traceback_() == [f"MissingOutput: {missing.value}"]
    (tmp_path / "absent.json").write_text('{"blessed": true}')
    assert nb.need(catalog, "sentiment.blessing", "sentiment") == {"blessed": True}


class Shell:
    """The part of IPython's shell ``short_errors`` touches."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, list[str]]] = []
        self._showtraceback = lambda etype, value, stb: self.shown.append(("other", stb))

    @staticmethod
    def _class_show(shell: Shell, etype, value, stb) -> None:
        shell.shown.append(("own", stb))


def test_short_errors_shows_a_missing_output_as_its_sentence_and_leaves_other_errors_alone() -> None:
    shell = Shell()
    type(shell)._showtraceback = Shell._class_show  # the shell class's own way of showing an error
    nb.short_errors(shell)
    missing = nb.MissingOutput("'x' is not there yet")
    shell._showtraceback(nb.MissingOutput, missing, ["frame 1", "frame 2"])
    shell._showtraceback(ValueError, ValueError("boom"), ["frame 1", "frame 2"])
    assert shell.shown == [
        ("own", ["MissingOutput: 'x' is not there yet"]),
        ("other", ["frame 1", "frame 2"]),
    ]


def test_label_balance_counts_each_split() -> None:
    parts = {"train": pd.DataFrame({"label": [0, 1, 1, 1]}), "test": pd.DataFrame({"label": [0, 1]})}
    table = nb.label_balance(parts)
    assert table.loc["train"].tolist() == [1, 3, 0.75] and table.loc["test", "positive_share"] == 0.5


def test_character_table_counts_every_character_most_frequent_first() -> None:
    table = nb.character_table("abba\n")
    assert table["character"].tolist()[:2] in (["'a'", "'b'"], ["'b'", "'a'"])
    assert table["count"].sum() == 5 and table.iloc[-1]["character"] == "'\\n'"


def test_validation_summary_has_a_row_per_rule() -> None:
    report = {
        "expectations": [
            {"description": "at least 10 rows", "success": True, "observed_value": 12},
            {"description": "no empty text", "success": False, "unexpected_count": 3},
        ]
    }
    table = nb.validation_summary(report)
    assert table["rule"].tolist() == ["at least 10 rows", "no empty text"]
    assert table["success"].tolist() == [True, False] and table.loc[1, "unexpected"] == 3


def test_fingerprint_changes_names_only_what_differs() -> None:
    runs = pd.DataFrame(
        {
            "run_id": ["b", "a"],
            "data_sha256": ["new", "old"],
            "test_sha256": ["t", "t"],
            "git_commit": ["c", "c"],
        }
    )
    changes = nb.fingerprint_changes(runs)
    assert changes.to_dict("records") == [{"fingerprint": "data_sha256", "older": "old", "newer": "new"}]
    assert nb.fingerprint_changes(runs.iloc[:1]).empty  # one run: nothing to compare


def test_moving_words_ranks_by_the_size_of_the_move() -> None:
    table = nb.moving_words(["dull", "but", "wonderful"], np.array([0.3, 0.32, 0.9]), top=2)
    assert table["word"].tolist() == ["wonderful", "dull"]
    assert table["move"].tolist() == [0.58, -0.2]


TOKENIZER = {
    "vocabulary": ["", "[UNK]", "good", "bad", "film", "the"],
    "standardize": "lower_and_strip_punctuation",
    "sequence_length": 12,
    "truncate": "pre",
}


def small_model(recurrent: dict) -> object:
    import keras

    from rnn_pipelines.models import builder

    keras.utils.set_random_seed(0)
    spec = {"layers": [{"type": "Embedding", "output_dim": 4, "mask_zero": True}, recurrent]}
    head = [{"type": "Dense", "units": 1, "activation": "sigmoid"}]
    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    return builder.build_model("small", spec, inputs=inputs, head=head, fill={"Embedding": {"input_dim": 6}})


@pytest.mark.parametrize(
    "recurrent",
    [{"type": "LSTM", "units": 3}, {"type": "Bidirectional", "layer": {"type": "GRU", "units": 2}}],
    ids=["lstm", "bidirectional"],
)
def test_recurrent_states_end_where_the_trained_layer_ends(recurrent: dict) -> None:
    import keras

    from rnn_pipelines.models import text

    model = small_model(recurrent)
    review = "The film, the GOOD film -- unknownword bad."
    tokens, states = nb.recurrent_states(model, TOKENIZER, review)
    assert tokens == ["the", "film", "the", "good", "film", "[UNK]", "bad"]
    ids = text.encode_with(TOKENIZER, [review])[:, : len(tokens)]
    recurrent_types = (keras.layers.RNN, keras.layers.Bidirectional)
    layer = next(layer for layer in model.layers if isinstance(layer, recurrent_types))
    final = keras.Model(model.inputs, layer.output).predict(ids, verbose=0)[0]
    width = final.shape[-1]
    assert states.shape == (len(tokens), width)
    if recurrent["type"] == "LSTM":  # the state after the last word is the layer's own output
        np.testing.assert_allclose(states[-1], final, atol=1e-6)
    else:  # forward half: after the last word; backward half: after reading back to the first
        np.testing.assert_allclose(states[-1, : width // 2], final[: width // 2], atol=1e-6)
        np.testing.assert_allclose(states[0, width // 2 :], final[width // 2 :], atol=1e-6)


def test_reading_ends_with_the_models_prediction_for_the_whole_review() -> None:
    from rnn_pipelines.models import text

    model = small_model({"type": "GRU", "units": 3})
    tokens, probabilities = nb.reading(model, TOKENIZER, "good film, bad film")
    assert tokens == ["good", "film", "bad", "film"] and probabilities.shape == (4,)
    whole = model.predict(text.encode_with(TOKENIZER, ["good film, bad film"]), verbose=0).ravel()[0]
    np.testing.assert_allclose(probabilities[-1], whole, atol=1e-6)
    assert np.all((probabilities > 0) & (probabilities < 1))
