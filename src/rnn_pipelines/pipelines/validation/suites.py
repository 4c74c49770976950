"""Great Expectations suites, one per data set, and the derived columns they check.

great_expectations is imported inside the functions: importing it costs seconds, and only the
validation nodes need it. Derived columns (``*_frame`` functions) turn cross-row rules (gaps, leaks,
duplicates) into per-row flags, so a failure names the offending rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# The readers decode with errors="replace": U+FFFD marks bytes that were not UTF-8.
NOT_UTF8 = "\ufffd"
# Control characters other than tab/newline/carriage return: a binary file read as text.
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
BLANK = r"^\s*$"


def imdb_frame(reviews: pd.DataFrame) -> pd.DataFrame:
    """The review table plus per-row flags for duplicates, cross-split leaks and rating/label consistency."""
    text = reviews["text"]
    splits_per_text = reviews.groupby(text, dropna=False)["split"].transform("nunique")
    positive_share = reviews.groupby("split", dropna=False)["label"].transform("mean")
    rating_ok = (
        reviews["rating"].isna()
        | reviews["label"].isna()
        | ((reviews["label"] == 1) & (reviews["rating"] >= 7))
        | ((reviews["label"] == 0) & (reviews["rating"] <= 4))
    )
    return reviews.assign(
        text_in_both_splits=(splits_per_text > 1).astype(bool),
        duplicate_in_split=reviews.duplicated(["split", "text"], keep="first"),
        split_positive_share=positive_share.astype("float64"),
        rating_matches_label=rating_ok.astype(bool),
    )


def imdb_expectations(rules: dict[str, Any]) -> list[Any]:
    """Expectations for the typed IMDB table; ``rules`` comes from ``params:imdb_validation``."""
    import great_expectations.expectations as gxe

    balance = rules["max_label_imbalance"]
    return [
        # a truncated archive or a wrong file still parses, but with far too few rows
        gxe.ExpectTableRowCountToBeBetween(
            min_value=rules["min_reviews"], description=f"at least {rules['min_reviews']} reviews"
        ),
        # every review needs a target: a sentiment other than pos/neg/positive/negative maps to none
        gxe.ExpectColumnValuesToNotBeNull(
            column="label", description="every review has a recognised sentiment (label not missing)"
        ),
        # the model is a binary classifier
        gxe.ExpectColumnValuesToBeInSet(
            column="label", value_set=[0, 1], description="labels are only 0 (negative) or 1 (positive)"
        ),
        # a skewed split makes accuracy meaningless (all-positive would score the share of positives)
        gxe.ExpectColumnValuesToBeBetween(
            column="split_positive_share",
            min_value=0.5 - balance,
            max_value=0.5 + balance,
            description=f"classes balanced within ±{balance:.0%} in each split",
        ),
        # empty reviews carry no signal and become fully-masked rows that cuDNN refuses
        gxe.ExpectColumnValuesToNotBeNull(column="text", description="every review has text"),
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="text", regex=BLANK, description="no empty or whitespace-only reviews"
        ),
        # encoding: bytes that are not UTF-8 would be mangled by the tokenizer
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="text", regex=NOT_UTF8, description="review text decodes as UTF-8"
        ),
        # identity: ids name the source file/row, so they must be unique
        gxe.ExpectColumnValuesToBeUnique(column="review_id", description="no duplicate review ids"),
        # only the official splits exist; anything else would silently drop out of training and test
        gxe.ExpectColumnValuesToBeInSet(
            column="split", value_set=rules["splits"], description=f"split is one of {rules['splits']}"
        ),
        gxe.ExpectColumnDistinctValuesToContainSet(
            column="split", value_set=rules["splits"], description="both splits are present"
        ),
        # data leaks: a review in both train and test inflates test accuracy (the official set has ~0.5%)
        gxe.ExpectColumnValuesToBeInSet(
            column="text_in_both_splits",
            value_set=[False],
            mostly=1 - rules["max_cross_split_duplicate_fraction"],
            description="train and test are disjoint: at most "
            f"{rules['max_cross_split_duplicate_fraction']:.1%} of reviews share their text across splits",
        ),
        # a file concatenated twice doubles some reviews and biases training
        gxe.ExpectColumnValuesToBeInSet(
            column="duplicate_in_split",
            value_set=[False],
            mostly=1 - rules["max_within_split_duplicate_fraction"],
            description="at most "
            f"{rules['max_within_split_duplicate_fraction']:.1%} of reviews repeat within a split",
        ),
        # aclImdb ratings: negative ≤ 4, positive ≥ 7; a mismatch means mislabeled files
        gxe.ExpectColumnValuesToBeBetween(
            column="rating", min_value=1, max_value=10, description="ratings are 1 to 10 when present"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="rating_matches_label",
            value_set=[True],
            description="rating agrees with the label (negative ≤ 4, positive ≥ 7)",
        ),
    ]


def corpus_frame(corpus: str) -> pd.DataFrame:
    """One row per line of the corpus (1-based ``line``, its ``text`` and ``characters`` with newline)."""
    lines = corpus.splitlines(keepends=True)
    return pd.DataFrame(
        {
            "line": range(1, len(lines) + 1),
            "text": lines,
            "characters": [len(line) for line in lines],
        }
    )


def corpus_expectations(rules: dict[str, Any]) -> list[Any]:
    """Expectations for the text corpus; ``rules`` comes from ``params:corpus_validation``."""
    import great_expectations.expectations as gxe

    needed = rules["sequence_length"] * rules["min_sequences"] + 1
    return [
        # training windows are sequence_length characters plus a next-character target
        gxe.ExpectColumnSumToBeBetween(
            column="characters",
            min_value=needed,
            description=f"the corpus is long enough for {rules['min_sequences']} windows of "
            f"sequence_length={rules['sequence_length']} (at least {needed} characters)",
        ),
        # encoding: a Latin-1 or UTF-16 file read as UTF-8 yields garbage tokens
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="text", regex=NOT_UTF8, description="the corpus decodes as UTF-8"
        ),
        # a binary file (archive, PDF) pointed to by mistake
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="text",
            regex=CONTROL_CHARS,
            description="no control characters other than tab and newline (not a binary file)",
        ),
    ]


def temperature_frame(series: pd.DataFrame) -> pd.DataFrame:
    """The series plus ``gap_days``: days since the previous row (missing for the first)."""
    return series.assign(gap_days=series["date"].diff().dt.days.astype("float64"))


def temperature_expectations(rules: dict[str, Any]) -> list[Any]:
    """Expectations for the daily series; ``rules`` comes from ``params:temperature_validation``."""
    import great_expectations.expectations as gxe

    return [
        # a forecaster needs at least a full seasonal cycle to learn from
        gxe.ExpectTableRowCountToBeBetween(
            min_value=rules["min_days"], description=f"at least {rules['min_days']} days"
        ),
        # a cell that does not parse as a date becomes missing in ingestion
        gxe.ExpectColumnValuesToNotBeNull(column="date", description="every row has a valid date"),
        # a cell that does not parse as a number (e.g. '?0.2') becomes missing in ingestion
        gxe.ExpectColumnValuesToNotBeNull(column="temp_c", description="temperatures are numeric"),
        # unit or sensor errors: °F values or 999 placeholders
        gxe.ExpectColumnValuesToBeBetween(
            column="temp_c",
            min_value=rules["min_celsius"],
            max_value=rules["max_celsius"],
            description=f"temperatures are physically plausible ({rules['min_celsius']} to "
            f"{rules['max_celsius']} °C)",
        ),
        # one value per day: duplicates make windows ambiguous
        gxe.ExpectColumnValuesToBeUnique(column="date", description="dates are unique"),
        # windows assume time order
        gxe.ExpectColumnValuesToBeIncreasing(
            column="date", strictly=True, description="dates are strictly increasing"
        ),
        # long holes break the one-step-per-day assumption of the windows
        gxe.ExpectColumnValuesToBeBetween(
            column="gap_days",
            max_value=rules["max_gap_days"],
            description=f"gaps between consecutive days are at most {rules['max_gap_days']} days",
        ),
    ]


def feature_expectations(features: list[str], rules: dict[str, Any]) -> list[Any]:
    """Each covariate (the series' columns beyond date, temperature and source row) is numeric in every
    row, and within ``rules["feature_ranges"]`` where it has one."""
    import great_expectations.expectations as gxe

    checks = []
    for name in features:
        checks.append(
            gxe.ExpectColumnValuesToNotBeNull(column=name, description=f"feature '{name}' is numeric")
        )
        if name in (rules.get("feature_ranges") or {}):
            low, high = rules["feature_ranges"][name]
            checks.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=name,
                    min_value=low,
                    max_value=high,
                    description=f"feature '{name}' is plausible ({low} to {high})",
                )
            )
    return checks
