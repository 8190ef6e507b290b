"""HTML of plans and sweeps: the self-contained report page and the rich display in notebooks.

Needs matplotlib (the ``plots`` extra) for the charts; the core never imports this package.
"""

from planner.html.folder import FolderError, PlanFolder, read_folder
from planner.html.page import plan_page, result_html, sweep_html, write_page

__all__ = ["FolderError", "PlanFolder", "plan_page", "read_folder", "result_html", "sweep_html", "write_page"]
