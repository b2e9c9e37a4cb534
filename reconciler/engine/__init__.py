"""The engine: diff and plan (pure core) and apply (the executor, in the shell)."""
