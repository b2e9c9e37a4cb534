"""The Testsigma REST API: a typed client, its error taxonomy, and its retry policy."""

import sys
from typing import Any, cast

# httpx's package __init__ imports its command-line client (`from ._main import main`, in a
# try/except ImportError), which pulls in click, rich and pygments: ~40 ms of every command's
# start-up for a CLI we never run. Marking the module absent before the first `import httpx`
# (this package's modules are the only ones that import it on a command's path, and this file
# runs before any of them) makes that import fail and httpx carry on without it.
# (None in sys.modules is Python's documented "import fails" marker; typeshed does not say it.)
sys.modules.setdefault("httpx._main", cast(Any, None))
