"""The JSON Schema of one YAML file (draft 2020-12), generated from the models.

Generated rather than written, so validation and editor help cannot disagree.
`schemas/reconciler-v1.schema.json` in the repository is this output, pretty-printed;
a test keeps the two equal.
"""

from __future__ import annotations

from reconciler.spec.model import Document


def json_schema() -> dict[str, object]:
    """The JSON Schema of one YAML document, with titles, descriptions and examples."""
    generated = Document.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **generated,
    }
