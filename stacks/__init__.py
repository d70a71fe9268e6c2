"""Typed stack configuration for chatpdd-infra (see stacks/models.py)."""
