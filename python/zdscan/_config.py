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

    config: None (the embedded default), a path to a JSON file or to a result file (its stored config, limits
    inline), a dict (e.g. a loaded and edited config), or JSON text (a string that starts with "{").
    Raises ValueError naming the offending field, e.g. "grid.epsilon.min: a log axis needs min > 0 (got 0)".
    """
    if config is None:
        return default_config()
    if isinstance(config, Mapping):
        return json.loads(_core.resolve_config(json.dumps(_plain(config, "")), "config"))
    if isinstance(config, str) and config.lstrip().startswith("{"):  # JSON text, not a path
        return json.loads(_core.resolve_config(config, "config"))
    path = config_path(config)
    # Read by the C++ reader: a regular file of at most 16 MB (a FIFO or /dev/zero is refused, never read).
    text = _core.read_config_file(path)
    return json.loads(_core.resolve_config(text, path))


def _plain(value: Any, where: str) -> Any:
    """A config dict as plain JSON values: NumPy scalars and arrays become numbers and lists; a NaN or infinity, or
    a value JSON cannot hold, is refused naming its field (json.dumps would write NaN, and the C++ reader would
    answer "malformed JSON ... column 2211")."""
    name = where or "config"
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{name}: keys must be strings (got {k!r})")
            out[k] = _plain(v, f"{where}.{k}" if where else k)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{name}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, str)):
        return value
    try:
        import numpy as np
    except ImportError:  # pragma: no cover (numpy is a dependency)
        np = None
    if np is not None:
        if isinstance(value, np.ndarray):
            return _plain(value.tolist(), where)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            value = float(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{name}: must be finite (got {value})")
        return value
    raise TypeError(f"{name}: a config holds numbers, strings, booleans, lists and dicts (got {type(value).__name__})")


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
