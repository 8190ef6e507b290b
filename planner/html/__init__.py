"""HTML of plans, analyses and sweeps: the self-contained report page and the rich display in notebooks.

Needs matplotlib (the ``plots`` extra) for the charts; the core never imports this package.
"""

from planner.html.analysis import analysis_html, analysis_kind, analysis_page
from planner.html.folder import FolderError, PlanFolder, read_folder
from planner.html.page import plan_page, result_html, sweep_html, write_page

__all__ = [
    "FolderError",
    "PlanFolder",
    "analysis_html",
    "analysis_kind",
    "analysis_page",
    "plan_page",
    "read_folder",
    "result_html",
    "sweep_html",
    "write_page",
]
