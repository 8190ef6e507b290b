"""Drawing a chart as inline SVG: text as paths, so the page needs no font and fetches nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from planner.plots.axes import FIGSIZE

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def chart_svg(draw: Callable[[Axes], Any], figsize: tuple[float, float] = FIGSIZE) -> str:
    """The ``<svg>`` element of what ``draw`` puts on new axes, ``figsize`` inches (72 pt each).

    The figure is drawn without pyplot (no window, whatever the backend) and closed at once.
    """
    import matplotlib
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    draw(figure.add_subplot())
    buffer = io.StringIO()
    # A fixed salt keeps the ids of clip paths stable, so one plan always gives the same page.
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "planner"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]
