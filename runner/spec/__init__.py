"""The spec (`sync.yaml`): `file` reads the YAML (presets, ${VAR}s, line numbers), `check`
validates it and builds the typed `model.Spec`, `templates` compiles and renders its Jinja."""

from runner.spec.check import load
from runner.spec.model import Spec

__all__ = ["Spec", "load"]
