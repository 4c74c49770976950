"""Project hooks."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl

_ACTIVE: dict[str, Any] = {}


class ConfigForRegistryHook:
    """Hands the run's config loader (with its ``--env``) to ``register_pipelines``.

    Kedro creates the context before it builds the pipelines, so the registry can read the model
    variants a run actually configured (``conf/smoke`` or ``conf/local`` included).
    """

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        _ACTIVE["config_loader"] = context.config_loader


def active_config_loader() -> Any | None:
    """The config loader of the current Kedro context, or ``None`` outside a run."""
    return _ACTIVE.get("config_loader")
