"""One comparison of trained variants, written three ways: Markdown and HTML for people, JSON for tools."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class Column:
    """A report column: the record key, its header, and a format spec (``"{:.4f}"``)."""

    key: str
    header: str
    fmt: str = "{}"

    def render(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "\u2013"  # en dash
        return self.fmt.format(value)


# columns every domain's table shows (from the scorecards' training summary)
KIND = Column("kind", "kind")
PARAMETERS = Column("parameters", "parameters", "{:,.0f}")
EPOCHS = Column("epochs_run", "epochs", "{:.0f}")
TRAIN_TIME = Column("train_seconds", "train time (s)", "{:,.1f}")
TRAINING = (KIND, PARAMETERS, EPOCHS, TRAIN_TIME)


@dataclass
class Comparison:
    """What a comparison report shows: rows (one per variant or baseline), the best row, plots, notes."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    best: str
    key: str = "variant"
    summary: str = ""
    figures: dict[str, str] = field(default_factory=dict)  # file name beside the report → caption
    notes: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # heading → preformatted text (e.g. samples)

    @classmethod
    def of(cls, table: Any, best: dict[str, Any], **fields: Any) -> Comparison:
        """The report of a comparison table (one row per record) with ``best``'s row marked."""
        return cls(rows=table.to_dict("records"), best=best["variant"], **fields)

    def outputs(self, *figures: Any) -> tuple[Any, ...]:
        """What a report node returns: Markdown, HTML, JSON, then its figures."""
        return self.to_markdown(), self.to_html(), self.to_json(), *figures

    def _cells(self, row: dict[str, Any]) -> list[str]:
        return [column.render(row.get(column.key)) for column in self.columns]

    def _is_best(self, row: dict[str, Any]) -> bool:
        return row.get(self.key) == self.best

    def to_markdown(self) -> str:
        """A Markdown document: summary, table (best row in bold, marked ★), plots, notes."""
        lines = [f"# {self.title}", "", self.summary, ""] if self.summary else [f"# {self.title}", ""]
        lines += ["| " + " | ".join(["", *(c.header for c in self.columns)]) + " |"]
        lines += ["|" + "---|" * (len(self.columns) + 1)]
        for row in self.rows:
            cells = self._cells(row)
            if self._is_best(row):
                lines.append("| ★ | " + " | ".join(f"**{c}**" for c in cells) + " |")
            else:
                lines.append("|  | " + " | ".join(cells) + " |")
        lines += ["", f"★ best: **{self.best}**", ""]
        for name, caption in self.figures.items():
            lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
        lines += [f"- {note}" for note in self.notes]
        for heading, text in self.sections.items():
            fence = "~~~~" if "```" in text else "```"
            lines += ["", f"## {heading}", "", f"{fence}text", text, fence]
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        """A self-contained HTML page (plots referenced beside it)."""
        from jinja2 import Template

        template = Template(
            files("rnn_pipelines.reporting").joinpath("templates/comparison.html.j2").read_text()
        )
        return template.render(
            title=self.title,
            summary=self.summary,
            headers=[c.header for c in self.columns],
            rows=[(self._is_best(row), self._cells(row)) for row in self.rows],
            best=self.best,
            figures=self.figures,
            notes=self.notes,
            sections=self.sections,
            generated=datetime.now(UTC).isoformat(timespec="seconds"),
            escape=html.escape,
        )

    def to_json(self) -> dict[str, Any]:
        """Machine-readable: the raw (unformatted) rows, the best key, plot files and notes."""
        return {
            "title": self.title,
            "best": self.best,
            "key": self.key,
            "columns": [c.key for c in self.columns],
            "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
            "figures": self.figures,
            "notes": self.notes,
            "sections": self.sections,
        }


def _plain(value: Any) -> Any:
    """JSON-safe scalars (numpy numbers → Python, NaN → None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
