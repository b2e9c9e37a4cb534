"""Renderers: plans and results as text (terminal, Terraform-like), JSON and markdown."""
