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

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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

DENSE_KEYS = 1 << 20
"""Most combined row keys a family looks its rows up in by a table of every key (above it, by
sorting the rows' keys)."""


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
        index = _RowIndex(rows, keys)
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
        return _names(family, frame, dims, self.data)

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
                return _names(
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
                return _names(family, frame.iloc[hit[:1]], VARIABLE_DIMS[family], self.data)[0]
        return f"c{col}"


def lookup(column: pd.Series, table: pd.Series | dict[str, Any]) -> np.ndarray:
    """``table``'s value for each entry of ``column`` (NaN or None where it has none), looking up
    each distinct name once: what ``column.map(table)`` gives, as an array, without mapping every
    entry of a long column of a few names.

    >>> lookup(pd.Series(["a", "b", "a"]), {"a": 1.0, "b": 2.0}).tolist()
    [1.0, 2.0, 1.0]
    """
    if isinstance(column.dtype, pd.CategoricalDtype):  # each category looked up once, by its code
        codes = column.cat.codes.to_numpy()
        names = pd.Index(np.asarray(column.cat.categories, dtype=object))
        # A fleet's figures are a table of the fleets in the categories' own order: read as they are.
        if isinstance(table, pd.Series) and table.index.equals(names):
            values = table.to_numpy()
        else:
            values = pd.Series(table).reindex(names).to_numpy()
        if (codes < 0).any():
            values, codes = np.append(values, [None]), np.where(codes < 0, len(values), codes)
        return values[codes]
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    values = pd.Series(table).reindex(pd.Index(uniques)).to_numpy()
    return values[codes]


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


def positions(entries: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each of ``entries``, the position of the entry of ``rows`` with the same ``keys``
    (-1 where there is none)."""
    return _RowIndex(rows.reset_index(drop=True), keys).locate(Terms(entries, np.ones(1), {}))


class _RowIndex:
    """Finds rows by their keys: each key is coded against the rows' values (a name by its
    category's code, a whole number by its distance from the rows' smallest, anything else by its
    place among the rows' distinct values), and the codes of all keys combined into one integer
    per row. A term whose value no row has matches no row.

    The rows are found from the combined codes by a table of every possible code (when there are
    at most :data:`DENSE_KEYS`: a family's keys are few names and periods) or by binary search in
    the sorted codes, not by hashing: a term is then found by indexing, numpy's alone.
    """

    def __init__(self, rows: pd.DataFrame, keys: list[str]) -> None:
        self.keys = keys
        self.coders: list[pd.CategoricalDtype | pd.Index | tuple[int, int]] = []
        code = np.zeros(len(rows), dtype=np.int64)
        width_product = 1.0
        for key in keys:
            column = rows[key]
            coder: pd.CategoricalDtype | pd.Index | tuple[int, int]
            if isinstance(column.dtype, pd.CategoricalDtype):
                coder = column.dtype
                codes, width = column.cat.codes.to_numpy(dtype=np.int64), len(column.dtype.categories)
            elif _whole(column.dtype) and len(column):
                values = column.to_numpy(dtype=np.int64)
                low = int(values.min())
                codes, width = values - low, int(values.max()) - low + 1
                coder = (low, width)
            else:
                codes, uniques = pd.factorize(column, use_na_sentinel=False)
                coder, width = pd.Index(uniques), len(uniques)
            self.coders.append(coder)
            width = max(width, 1)
            width_product *= width
            code = code * width + codes
        # The combined code of a plan's keys stays far inside 64 bits (the product of their
        # numbers of distinct values: fleets x sites x periods x slices, ...).
        assert width_product < 2.0**62, "row keys too many to code in 64 bits"
        self.dense = width_product <= DENSE_KEYS
        if self.dense:
            self.table = np.full(int(width_product), -1, dtype=np.int64)
            self.table[code] = np.arange(len(rows))
        else:
            self.order = np.argsort(code, kind="stable")
            self.sorted = code[self.order]

    def locate(self, terms: Terms) -> np.ndarray:
        n = len(terms.frame)
        code = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        for key, coder in zip(self.keys, self.coders, strict=True):
            found, width = _codes(terms.key(key), coder)
            found = np.broadcast_to(np.asarray(found, dtype=np.int64), n)
            missing |= found < 0
            code = code * max(width, 1) + np.maximum(found, 0)
        if self.dense:
            at = self.table[code]
        else:
            place = np.minimum(np.searchsorted(self.sorted, code), max(len(self.sorted) - 1, 0))
            hit = self.sorted[place] == code if len(self.sorted) else np.zeros(n, dtype=bool)
            at = np.where(hit, self.order[place] if len(self.order) else 0, -1)
        at[missing] = -1
        return np.asarray(at, dtype=np.int64)


def _whole(dtype: Any) -> bool:
    """Whether a key column holds whole numbers (not truth values)."""
    return pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _codes(column: Any, coder: pd.CategoricalDtype | pd.Index | tuple[int, int]) -> tuple[np.ndarray, int]:
    """The codes of a key's values (one value, or one per term) against the rows' ``coder``
    (-1 where no row has the value), and the key's width."""
    values = [column] if np.ndim(column) == 0 else column
    if isinstance(coder, pd.CategoricalDtype):
        if isinstance(values, pd.Series) and values.dtype == coder:
            return values.cat.codes.to_numpy(), len(coder.categories)
        return pd.Categorical(values, dtype=coder).codes, len(coder.categories)
    if isinstance(coder, tuple):
        low, width = coder
        array = np.asarray(values)
        if _whole(array.dtype):
            found = array.astype(np.int64, copy=False) - low
            return np.where((found >= 0) & (found < width), found, -1), width
        # Values of another type (floats that are whole, text) match as a row's value would.
        rows = pd.Index(np.arange(low, low + width))
        return rows.get_indexer(pd.Index(values)), width
    return coder.get_indexer(pd.Index(values)), len(coder)


def _names(family: str, frame: pd.DataFrame, dims: list[str], data: ModelData) -> list[str]:
    slices = data.slices.set_index("k")["slice"]
    dims = [d for d in dims if d != "k" or len(slices) > 1]
    columns = [
        frame[d].map(data.labels) if d == "t" else frame[d].map(slices) if d == "k" else frame[d].astype(str)
        for d in dims
    ]
    return [f"{family}[{','.join(parts)}]" for parts in zip(*columns, strict=True)]


def solver_name(name: str) -> str:
    """The solver-safe form of a readable name: only letters, digits and underscores.

    Distinct names stay distinct (fleets ``a-b`` and ``a_b``, or fleet ``a_b`` at site ``c`` and
    fleet ``a`` at site ``b_c``): an underscore is written twice and any other character as
    ``_<hex code>_``, which reads back one way only.

    >>> solver_name("power_limit[west,2026-01]"), solver_name("x[a-b]"), solver_name("x[a_b]")
    ('power__limit_5b_west_2c_2026_2d_01_5d_', 'x_5b_a_2d_b_5d_', 'x_5b_a__b_5d_')
    """
    return re.sub(r"[^A-Za-z0-9]", lambda c: "__" if c.group() == "_" else f"_{ord(c.group()):x}_", name)


@dataclass(frozen=True)
class Terms:
    """Entries of a variable frame as terms of rows: ``coef`` times each entry's ``scale`` on its
    column, found by its keys, where ``keys`` (arrays, or one value for all) stand in for the
    frame's own columns (``t`` one period later, the contract a row belongs to, ...)."""

    frame: pd.DataFrame
    coef: np.ndarray
    keys: dict[str, Any]

    def key(self, name: str) -> Any:
        """The values of key ``name`` for each entry (one value, or one per entry)."""
        return self.keys[name] if name in self.keys else self.frame[name]

    def columns(self) -> np.ndarray:
        return self.frame["col"].to_numpy(dtype=np.int64)

    def coefficients(self) -> np.ndarray:
        scale = self.frame["scale"].to_numpy(dtype=float) if "scale" in self.frame else 1.0
        return np.broadcast_to(self.coef * scale, len(self.frame))


def terms(variables: pd.DataFrame, coef: Any = 1.0, **keys: Any) -> Terms:
    """A variable frame's entries as row terms (see :class:`Terms`): ``coef`` (one value, or one
    per entry) times each entry's ``scale``; ``keys`` stand in for the frame's own columns.

    >>> frame = pd.DataFrame({"t": [0, 1], "col": [3, 4], "scale": [1.0, 2.0]})
    >>> shifted = terms(frame, -1.0, t=frame["t"] + 1)
    >>> shifted.key("t").tolist(), shifted.coefficients().tolist()
    ([1, 2], [-1.0, -2.0])
    """
    return Terms(variables, np.asarray(coef, dtype=float), keys)


def periods_frame(data: ModelData) -> pd.DataFrame:
    """One row per period position ``t``."""
    return pd.DataFrame({"t": np.arange(len(data.periods))})
