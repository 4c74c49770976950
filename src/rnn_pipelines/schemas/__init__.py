"""Typed schemas of the parameters files, checked before any node runs (``check``)."""

from rnn_pipelines.schemas.check import ParameterError, check_parameters, problems, sections_of

__all__ = ["ParameterError", "check_parameters", "problems", "sections_of"]
