"""The Testsigma REST API: a typed client, its error taxonomy, and its retry policy."""
