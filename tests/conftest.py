"""Shared fixtures: a live sandbox over loopback, a state URL, a CLI runner."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
