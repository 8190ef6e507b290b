"""The built model: an array LP (:class:`planner.lp.LinearProgram`) and the index frames that map
its columns and rows back to the scenario.

Every family of variables and rows is a frame of index columns; a variable frame's ``col`` is
the LP column an entry reads and ``scale`` what it is multiplied by (an entry's value is
``scale * x[col]``: a workload whose phases run together has one rate column, its prefill entry
reads it times the input:output ratio); a row frame's ``row`` is the LP row, ``rhs`` its bound
and ``sense`` one of ``<=``, ``>=``, ``==``. Names of fleets, sites, workloads, ... are categories
in the frames as built (:attr:`Frames.coded`, what the build and the plan's tables work on) and
text in the frames a reader gets (each made when first read); readable names
(``power_limit[west,2026-01]``) are made only when asked for (:meth:`Model.names`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.build.names import readable_names, solver_name
from planner.build.terms import RowIndex, Terms
from planner.data import ModelData
from planner.lp import LinearProgram, Triplets

if TYPE_CHECKING:
    import pulp

MUSD = 1e6
"""USD per LP money unit of the budget and spend-commitment rows (millions of USD)."""

LP_FORMATS = {".mps": "mps", ".lp": "lp"}
"""File name endings :meth:`Model.write` knows, and the format each stands for."""

VARIABLE_DIMS = {
    "serve": ["workload", "phase", "fleet", "site", "t", "k"],
    "unserved": ["workload", "phase", "t", "k"],
    "units": ["fleet", "site", "t"],
    "build": ["fleet", "site", "t"],
    "start": ["fleet", "site", "t"],
    "held": ["fleet", "site", "t"],
    "pair": ["workload", "prefill_site", "prefill_fleet", "decode_site", "decode_fleet", "t", "k"],
    "blocks": ["site", "t"],
    "adopt": ["vendor"],
    "burst": ["fleet", "site", "t", "k"],
    "backup": ["vendor", "workload", "phase", "fleet", "site", "t", "k"],
    "served": ["t"],
    "shortfall": ["contract", "year"],
}
"""The index of each variable family, in the order its readable names list it."""

_SENSE_BOUNDS = {"<=": (-np.inf, 0.0), ">=": (0.0, np.inf), "==": (0.0, 0.0)}


class Frames(Mapping[str, pd.DataFrame]):
    """A model's frames, one per family, read with names as text: each is made when first read
    from the frame as built (``coded``), whose names are categories.

    The text frames are what every reader of a plan expects (a category's arithmetic, lookups and
    joins behave otherwise); making them for every family at the end of the build took a fifth of
    the build on a large plan, for frames a solve mostly never reads.
    """

    def __init__(self) -> None:
        self.coded: dict[str, pd.DataFrame] = {}
        self._text: dict[str, pd.DataFrame] = {}

    def keep(self, family: str, frame: pd.DataFrame) -> None:
        """Keep ``frame``, names as categories, as the family ``family``."""
        self.coded[family] = frame
        self._text.pop(family, None)

    def __getitem__(self, family: str) -> pd.DataFrame:
        text = self._text.get(family)
        if text is None:
            text = self._text[family] = _plain(self.coded[family])
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self.coded)

    def __len__(self) -> int:
        return len(self.coded)


@dataclass
class Model:
    """A built LP and the frames that map its columns and rows back to the scenario.

    Attributes
    ----------
    data
        The prepared scenario data.
    lp
        The linear program, as handed to the solver (set once the build is finished).
    variables
        Per variable family (``serve``, ``unserved``, ``units``, ``build``, ...), a frame with its
        index columns, ``col`` and ``scale`` (``variables.coded``: names as categories).
    constraints
        Per constraint family, a frame with its index columns, ``rhs``, ``sense`` and ``row``
        (``constraints.coded``: names as categories).
    cost_terms
        ``component, t, col, usd, fleet``: nominal USD in period ``t`` per unit of LP column
        ``col`` (a column may cost in several periods: a build pays its capital in each it serves);
        ``component`` (of :data:`planner.build.costs.COMPONENTS`) and ``fleet`` (missing for terms
        of no fleet) are categories.
    money_unit
        USD per unit of the objective (see :func:`planner.build.costs.money_unit`).
    """

    data: ModelData
    lp: LinearProgram = field(init=False, repr=False)
    variables: Frames = field(default_factory=Frames)
    constraints: Frames = field(default_factory=Frames)
    cost_terms: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"component": [], "t": np.zeros(0, int), "col": np.zeros(0, int), "usd": [], "fleet": []}
        )
    )
    money_unit: float = 1.0
    _triplets: Triplets = field(default_factory=Triplets, repr=False)
    _lower: list[np.ndarray] = field(default_factory=list, repr=False)
    _upper: list[np.ndarray] = field(default_factory=list, repr=False)
    _integer: list[np.ndarray] = field(default_factory=list, repr=False)
    _columns: int = 0

    # ------------------------------------------------------------------ building
    def dtype(self, dimension: str) -> pd.CategoricalDtype:
        """The categorical type of a dimension of names (``fleet``, ``site``, ``workload``, ...)."""
        if not hasattr(self, "_dtypes"):
            self._dtypes = _dtypes(self.data)
        return self._dtypes[dimension]

    def categorized(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its columns of names (fleets, sites, workloads, ...) as categories of one
        type per dimension, so that frames concatenate, match and look names up by their codes."""
        self.dtype("fleet")
        text: dict[str, pd.CategoricalDtype] = {
            c: self._dtypes[c] for c in frame.columns if c in self._dtypes and frame[c].dtype != self._dtypes[c]
        }
        # An empty frame keeps its columns' types: its readers merge it with frames of those.
        if not text or not len(frame):
            return frame
        # Each name found among its type's (a name it lacks is missing, as ``astype`` makes it),
        # the frame made once from its columns: ``astype`` takes several times as long.
        columns = {
            c: pd.Categorical.from_codes(text[c].categories.get_indexer(pd.Index(frame[c])), dtype=text[c])
            if c in text
            else frame[c]
            for c in frame.columns
        }
        return pd.DataFrame(columns, index=frame.index, copy=False)

    def add_columns(
        self,
        family: str,
        frame: pd.DataFrame,
        *,
        upper: np.ndarray | float = np.inf,
        integer: np.ndarray | bool = False,
    ) -> pd.DataFrame:
        """Give each row of ``frame`` a new non-negative column (``col``, ``scale`` 1) and keep it as
        the variable family ``family``; returns the frame."""
        n = len(frame)
        # Names as categories: looking up a fleet's figures then touches each name once, not each entry.
        first = self.new_columns(n, upper=upper, integer=integer)
        frame = self.categorized(frame.reset_index(drop=True)).assign(col=np.arange(first, first + n), scale=1.0)
        self.variables.keep(family, frame)
        return frame

    def new_columns(self, n: int, *, upper: np.ndarray | float = np.inf, integer: np.ndarray | bool = False) -> int:
        """Add ``n`` non-negative columns, without a family (its frame is kept by the caller);
        returns the first one's index."""
        first = self._columns
        self._columns += n
        self._lower.append(np.zeros(n))
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=float), n).copy())
        self._integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), n).copy())
        return first

    def add_rows(
        self,
        family: str,
        keys: list[str],
        terms: Terms | list[Terms],
        sense: str,
        rhs: pd.DataFrame,
    ) -> pd.DataFrame:
        """Add one row per row of ``rhs`` that has terms: the sum of ``coef * x[col]`` over the
        ``terms`` (see :func:`terms`, one or a list) sharing its ``keys``, compared by ``sense`` to its
        ``rhs``. Terms whose keys match no row are dropped; repeated columns in a row are summed.
        Returns the family's frame."""
        if rhs.empty:  # a family the scenario does not use: no terms to look at
            frame = rhs[[*keys, "rhs"]].reset_index(drop=True).assign(sense=sense, row=np.zeros(0, dtype=np.int64))
            self.constraints.keep(family, frame)
            return frame
        # The family's frame is made once, from its columns' arrays: each step of pandas on a
        # frame (selecting, renumbering, converting, assigning) costs a copy of it.
        rows = self.categorized(pd.DataFrame({c: rhs[c].array for c in [*keys, "rhs"]}))
        index = RowIndex(rows, keys)
        pieces = terms if isinstance(terms, list) else [terms]
        located = [(index.locate(piece), piece) for piece in pieces]
        at = np.concatenate([a for a, _ in located]) if located else np.zeros(0, dtype=np.int64)
        cols = np.concatenate([p.columns() for _, p in located]) if located else at
        coefs = np.concatenate([p.coefficients() for _, p in located]) if located else at * 0.0
        inside = at >= 0
        has_terms = np.zeros(len(rows), dtype=bool)
        has_terms[at[inside]] = True
        renumber = np.cumsum(has_terms) - 1
        if not has_terms.all():
            rows = rows.loc[has_terms].reset_index(drop=True)
        low, high = _SENSE_BOUNDS[sense]
        value = rows["rhs"].to_numpy(dtype=float)
        first = self._triplets.add_rows(
            value if low == 0.0 else np.full(len(rows), -np.inf), value if high == 0.0 else np.full(len(rows), np.inf)
        )
        self._triplets.add_terms(first + renumber[at[inside]], cols[inside], coefs[inside])
        frame = pd.DataFrame(
            {**{c: rows[c].array for c in rows.columns}, "sense": sense, "row": np.arange(first, first + len(rows))},
            copy=False,
        )
        self.constraints.keep(family, frame)
        return frame

    def finish(self, cost: np.ndarray) -> None:
        """Make the LP from the columns and rows added, with objective ``cost`` per column."""
        joined = {
            name: np.concatenate(parts) if parts else np.zeros(0)
            for name, parts in (("lower", self._lower), ("upper", self._upper), ("integer", self._integer))
        }
        self.lp = self._triplets.finish(
            cost=cost,
            lower=joined["lower"],
            upper=joined["upper"],
            integer=joined["integer"].astype(bool),
            names=self._all_names,
        )
        self._triplets, self._lower, self._upper, self._integer = Triplets(), [], [], []

    @property
    def column_count(self) -> int:
        """Columns added so far."""
        return self._columns

    # ------------------------------------------------------------------ reading
    def names(self, family: str) -> list[str]:
        """Readable names of a family's entries, variables or rows (``capacity[h100,phoenix,2026-01]``:
        period and slice labels, not positions; the slice only when a period has several)."""
        if family in self.constraints:
            frame = self.constraints.coded[family]
            dims = [c for c in frame.columns if c not in ("rhs", "sense", "row")]
        else:
            frame = self.variables.coded[family]
            dims = VARIABLE_DIMS[family]
        return readable_names(family, frame, dims, self.data)

    def _all_names(self) -> tuple[list[str], list[str]]:
        """Readable names of every column (one per column: the first entry reading it) and row, in order."""
        columns = [""] * self.lp.shape[1]
        for family, frame in self.variables.coded.items():
            owners = ~frame["col"].duplicated().to_numpy()
            for col, name in zip(
                frame["col"].to_numpy()[owners], np.array(self.names(family), dtype=object)[owners], strict=True
            ):
                columns[col] = name
        rows = [""] * self.lp.shape[0]
        for family, frame in self.constraints.coded.items():
            for row, name in zip(frame["row"], self.names(family), strict=True):
                rows[row] = name
        return columns, rows

    def value(self, family: str, x: np.ndarray) -> np.ndarray:
        """The values of a variable family's entries at the LP point ``x``."""
        frame = self.variables.coded[family]
        return x[frame["col"].to_numpy()] * frame["scale"].to_numpy()

    def size(self) -> dict[str, int]:
        """Number of variables (LP columns), constraints (rows) and nonzero coefficients."""
        rows, cols = self.lp.shape
        return {"variables": cols, "constraints": rows, "nonzeros": self.lp.nonzeros}

    def ranges(self) -> pd.DataFrame:
        """Per constraint family (and the objective): rows, nonzeros, and the smallest and
        largest absolute coefficient and right-hand side, to judge the model's scaling."""
        matrix = self.lp.matrix
        out = []
        for family, frame in self.constraints.coded.items():
            block = matrix[frame["row"].to_numpy()]
            coefs = np.abs(block.data[block.data != 0])
            rhs = np.abs(frame["rhs"].to_numpy(dtype=float))
            out.append(_range_row(family, len(frame), coefs, rhs[rhs != 0]))
        objective = np.abs(self.lp.cost[self.lp.cost != 0])
        out.append(_range_row("objective", 1, objective, np.array([])))
        return pd.DataFrame(out)

    def write(self, path: str | Path) -> Path:
        """Write the LP as it is handed to the solver: MPS for a ``.mps`` file, CPLEX LP text for ``.lp``.

        Columns and rows carry their readable names made solver-safe (``units_5b_h100_2c_...``,
        see :func:`solver_name`); the objective is in ``money_unit`` USD, minimised. A whole-unit
        model is written with its integer columns marked.

        Raises
        ------
        ValueError
            If the file name ends in neither (see :data:`LP_FORMATS`).
        """
        from planner.solvers import write_lp

        path = Path(path)
        if path.suffix.lower() not in LP_FORMATS:
            raise ValueError(f"{path}: name the file .mps (MPS) or .lp (LP text)")
        columns, rows = self._all_names()
        write_lp(self.lp, path, [solver_name(n) for n in columns], [solver_name(n) for n in rows])
        return path

    def to_pulp(self) -> pulp.LpProblem:
        """The model as a PuLP problem, with readable solver-safe names, for those who want one."""
        from planner.solvers import to_pulp

        return to_pulp(self.lp)

    def describe_row(self, row: int) -> str:
        """The readable name of LP row ``row``."""
        for family, frame in self.constraints.coded.items():
            hit = np.flatnonzero(frame["row"].to_numpy() == row)
            if len(hit):
                return readable_names(
                    family,
                    frame.iloc[hit[:1]],
                    [c for c in frame.columns if c not in ("rhs", "sense", "row")],
                    self.data,
                )[0]
        return f"r{row}"

    def describe_column(self, col: int) -> str:
        """The readable name of LP column ``col``."""
        for family, frame in self.variables.coded.items():
            hit = np.flatnonzero(frame["col"].to_numpy() == col)
            if len(hit):
                return readable_names(family, frame.iloc[hit[:1]], VARIABLE_DIMS[family], self.data)[0]
        return f"c{col}"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns as plain text."""
    named = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype(dict.fromkeys(named, str)) if named else frame


def _dtypes(data: ModelData) -> dict[str, pd.CategoricalDtype]:
    """One categorical type per dimension of names, holding every name the scenario uses."""
    fleets = pd.CategoricalDtype(list(data.fleets.index))
    sites = pd.CategoricalDtype(sorted({*data.placements["site"], *data.sites.index}))
    vendors = pd.CategoricalDtype(sorted({*data.fleets["vendor"], *data.scenario.policy.adoption_usd}))
    return {
        "fleet": fleets,
        "prefill_fleet": fleets,
        "decode_fleet": fleets,
        "site": sites,
        "prefill_site": sites,
        "decode_site": sites,
        "workload": pd.CategoricalDtype(list(data.scenario.workloads)),
        "phase": pd.CategoricalDtype(["prefill", "decode"]),
        "procurement": pd.CategoricalDtype(sorted(set(data.placements["procurement"]))),
        "vendor": vendors,
    }


def _range_row(family: str, count: int, coefs: np.ndarray, rhs: np.ndarray) -> dict[str, Any]:
    return {
        "family": family,
        "rows": count,
        "nonzeros": len(coefs),
        "min_abs_coef": coefs.min() if len(coefs) else np.nan,
        "max_abs_coef": coefs.max() if len(coefs) else np.nan,
        "min_abs_rhs": rhs.min() if len(rhs) else np.nan,
        "max_abs_rhs": rhs.max() if len(rhs) else np.nan,
    }


def periods_frame(data: ModelData) -> pd.DataFrame:
    """One row per period position ``t``."""
    return pd.DataFrame({"t": np.arange(len(data.periods))})
