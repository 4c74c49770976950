"""The comparison report: one row per record, the best marked, the same content in md, html and json."""

from __future__ import annotations

import json

import pytest

from rnn_pipelines.reporting.comparison import Column, Comparison

ROWS = [
    {"variant": "gru", "kind": "rnn", "test_accuracy": 0.91234, "parameters": 120_000, "epochs_run": 3},
    {"variant": "linear_tfidf", "kind": "linear", "test_accuracy": 0.9, "parameters": 50, "epochs_run": None},
    {"variant": "lstm", "kind": "rnn", "test_accuracy": float("nan"), "parameters": 99, "epochs_run": 2},
]
COLUMNS = [
    Column("variant", "variant"),
    Column("test_accuracy", "test accuracy", "{:.4f}"),
    Column("parameters", "parameters", "{:,.0f}"),
    Column("epochs_run", "epochs"),
]


@pytest.fixture
def report() -> Comparison:
    return Comparison(
        title="T <&>", columns=COLUMNS, rows=ROWS, best="gru", figures={"curves.png": "Curves"}, notes=["n1"]
    )


def test_markdown_has_one_row_per_record_and_marks_the_best(report: Comparison) -> None:
    lines = report.to_markdown().splitlines()
    table = [line for line in lines if line.startswith("|")][2:]
    assert len(table) == len(ROWS)
    assert table[0] == "| ★ | **gru** | **0.9123** | **120,000** | **3** |"
    assert table[1] == "|  | linear_tfidf | 0.9000 | 50 | \u2013 |"  # missing epochs → dash
    assert "| lstm | \u2013 |" in table[2]  # NaN → dash
    assert "![Curves](curves.png)" in lines


def test_html_escapes_and_marks_the_best_row(report: Comparison) -> None:
    page = report.to_html()
    assert "<title>T &lt;&amp;&gt;</title>" in page
    assert page.count('<tr class="best">') == 1
    assert page.count("<tr") == len(ROWS) + 1  # header + rows
    assert '<img src="curves.png"' in page


def test_json_keeps_raw_values_and_is_serialisable(report: Comparison) -> None:
    document = json.loads(json.dumps(report.to_json()))
    assert document["best"] == "gru"
    assert [row["variant"] for row in document["rows"]] == ["gru", "linear_tfidf", "lstm"]
    assert document["rows"][0]["test_accuracy"] == 0.91234
    assert document["rows"][2]["test_accuracy"] is None


def test_sections_are_preformatted_in_every_format() -> None:
    sample = "ROMEO:\n<b>soft</b> ``` what light"
    report = Comparison(title="T", columns=COLUMNS, rows=ROWS, best="gru", sections={"gru at 0.8": sample})
    markdown = report.to_markdown()
    assert "## gru at 0.8\n\n~~~~text\n" + sample + "\n~~~~" in markdown  # fence the text cannot close
    assert "<pre>ROMEO:\n&lt;b&gt;soft&lt;/b&gt; ``` what light</pre>" in report.to_html()
    assert report.to_json()["sections"] == {"gru at 0.8": sample}
