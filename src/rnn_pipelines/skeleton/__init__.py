"""One training-and-release skeleton for every domain.

A domain declares itself (``pipelines/<domain>/domain.py``: a ``Release``); ``skeleton.pipeline`` wires
check → train + evaluate each variant → compare → select → report → export → verify → bless → promote
for it, with the generic nodes of ``skeleton.nodes``.
"""
