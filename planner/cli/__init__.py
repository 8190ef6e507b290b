"""The ``planner`` command line: one sub-app per noun under one top-level app."""

from planner.cli.main import app

__all__ = ["app"]
