"""Configs as plain dicts, validated by the C++ reader (the same messages as `zdscan scan --config`)."""
from __future__ import annotations

import json
import os
from typing import Any, Mapping, Union

from . import _core

ConfigLike = Union[None, str, "os.PathLike[str]", Mapping[str, Any]]


def default_config() -> dict:
    """The embedded default config (configs/paper2021.json, the paper's inputs), with every default filled in."""
    return json.loads(_core.default_config())


def load_config(config: ConfigLike = None) -> dict:
    """A validated config with every default filled in.

    config: None (the embedded default), a path to a JSON file, or a dict (e.g. a loaded and edited config).
    Raises ValueError naming the offending field, e.g. "grid.epsilon.min: a log axis needs min > 0 (got 0)".
    """
    if config is None:
        return default_config()
    if isinstance(config, Mapping):
        return json.loads(_core.resolve_config(json.dumps(config), "config"))
    path = config_path(config)
    # Read by the C++ reader: a regular file of at most 16 MB (a FIFO or /dev/zero is refused, never read).
    text = _core.read_config_file(path)
    return json.loads(_core.resolve_config(text, path))


def config_path(config: ConfigLike) -> str:
    """The file a config was given as ("" for None or a dict)."""
    if config is None or isinstance(config, Mapping):
        return ""
    if not isinstance(config, (str, bytes, os.PathLike)):
        raise TypeError(f"config: a path, a dict or None (got {type(config).__name__})")
    path = os.fsdecode(os.fspath(config))
    if not path:
        raise ValueError("config: empty path")
    return path


def config_text(config: ConfigLike) -> str:
    """The JSON text the C++ core takes, validated."""
    return json.dumps(load_config(config))
