"""``python -m planner``: the command line, as the ``planner`` script."""

from planner.cli import run

run()
