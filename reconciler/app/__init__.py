"""Use cases: the only layer that sequences I/O (files, the API, the state store)."""
