"""Lint rules: one module per rule, each with a permanent code."""

from __future__ import annotations


def run_rules(rb, doc=None, config=None) -> list:
    return []
