"""``python -m rnn_pipelines.schemas``: print the parameters reference (the README's copy of it)."""

from rnn_pipelines.schemas.reference import reference

print(reference())
