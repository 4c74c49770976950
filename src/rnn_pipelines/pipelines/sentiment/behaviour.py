"""Behaviour checks for a sentiment model (after Made-With-ML / CheckList).

- minimum functionality: plain reviews a sentiment model must get right;
- invariance: swapping a name or a place must not move the prediction much;
- directional: adding a negation must lower a positive review's score.

``run_behaviour_checks`` returns pass rates and every case; CI runs it on the smoke model (to show it
works), the accuracy benchmark asserts the pass rates on the fully trained model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

MINIMUM_FUNCTIONALITY = [
    ("What a wonderful film, I loved every minute of it.", 1),
    ("A brilliant, moving story with superb acting.", 1),
    ("One of the best movies I have ever seen.", 1),
    ("This movie was terrible, a complete waste of time.", 0),
    ("Boring, predictable and badly acted.", 0),
    ("The worst film I have seen in years.", 0),
]
INVARIANCE = [  # (template, fillers): only a name or a place changes
    ("{} gave a great performance in this film.", ["Tom Hanks", "Meryl Streep", "Denzel Washington"]),
    ("The plot was dull and {} could not save it.", ["Tom Hanks", "Meryl Streep", "Denzel Washington"]),
    ("I watched this in {} and enjoyed it a lot.", ["Paris", "Chicago", "Tokyo"]),
]
DIRECTIONAL = [  # (positive review, the same with a negation): the score must go down
    ("The film was good.", "The film was not good."),
    ("I liked the story.", "I did not like the story."),
    ("The acting was great.", "The acting was not great at all."),
]
INVARIANCE_TOLERANCE = 0.1  # largest allowed spread of the positive probability across fillers


def run_behaviour_checks(predict: Callable[[Sequence[str]], np.ndarray]) -> dict[str, Any]:
    """Run the three families of checks with ``predict`` (texts → positive-class probabilities)."""
    texts = [text for text, _ in MINIMUM_FUNCTIONALITY]
    scores = predict(texts)
    mft = [
        {"text": text, "expected": label, "probability": float(p), "passed": bool((p >= 0.5) == label)}
        for (text, label), p in zip(MINIMUM_FUNCTIONALITY, scores, strict=True)
    ]
    inv = []
    for template, fillers in INVARIANCE:
        probabilities = predict([template.format(f) for f in fillers])
        spread = float(np.max(probabilities) - np.min(probabilities))
        inv.append(
            {
                "template": template,
                "probabilities": [float(p) for p in probabilities],
                "spread": spread,
                "passed": spread <= INVARIANCE_TOLERANCE,
            }
        )
    dirs = []
    for positive, negated in DIRECTIONAL:
        before, after = (float(p) for p in predict([positive, negated]))
        dirs.append(
            {"text": positive, "negated": negated, "before": before, "after": after, "passed": after < before}
        )
    return {
        family: {"pass_rate": sum(case["passed"] for case in cases) / len(cases), "cases": cases}
        for family, cases in (("minimum_functionality", mft), ("invariance", inv), ("directional", dirs))
    }
