"""create_app(config=None): config -> runtime (database, registry, watch hub) -> API -> errors."""

from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

from .config import Config, load_config
from .runtime import Runtime


def create_app(config: Config | Mapping[str, Any] | None = None, *, start: bool = True) -> Flask:
    if not isinstance(config, Config):
        config = load_config(config)
    runtime = Runtime(config)
    app = Flask("mockapi", root_path=os.path.dirname(os.path.abspath(__file__)), static_folder=None)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mockapi"] = runtime
    from .api import register

    register(app, runtime)
    if start:
        runtime.start()
    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["mockapi"]
