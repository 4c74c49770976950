"""Project settings: https://docs.kedro.org/en/stable/kedro_project_setup/settings.html"""

from kedro.config import OmegaConfigLoader
from omegaconf.resolvers import oc

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # ${oc.env:RNN_PIPELINES_DATA_MIRROR,null} in globals.yml: the data mirror comes from the
    # environment unless conf/local sets it.
    "custom_resolvers": {"oc.env": oc.env},
    # conf/smoke and conf/local list only the keys they change; the rest comes from conf/base.
    "merge_strategy": {"parameters": "soft", "globals": "soft", "catalog": "soft"},
}

from rnn_pipelines.hooks import ConfigForRegistryHook  # noqa: E402

HOOKS = (ConfigForRegistryHook(),)
