"""The project's pipelines, one folder per stage."""
