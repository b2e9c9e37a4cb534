"""The physical floor of a plan: only parse the same files with ruamel's C safe loader.

Run as `python bench/parse_only.py DIR` in a fresh process, like the plan it is
compared with; it reads every `*.yaml` under DIR with `YAML(typ="safe")`
(libyaml's C parser and ruamel's safe constructor) and does nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ruamel.yaml import YAML


def main() -> int:
    yaml = YAML(typ="safe")
    count = 0
    for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
        document = yaml.load(path.read_bytes())
        count += len(document.get("schedules") or ())
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
