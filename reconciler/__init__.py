"""testsigma-reconciler: GitOps for Testsigma scheduled partial test runs."""

__version__ = "0.1.0"
