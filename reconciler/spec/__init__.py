"""The YAML language of the reconciler (docs/YAML.md): load, validate, describe.

Pure: takes bytes (`Source`), returns the `DesiredSet` the planner takes, or raises
`InputError` with every problem of every file. `reconciler.app.sources` is the shell
that reads files into `Source`s.
"""

from reconciler.spec.desired import load_desired
from reconciler.spec.positions import Source
from reconciler.spec.schema import json_schema

__all__ = ["Source", "json_schema", "load_desired"]
