"""The program's own compressed rows: the same matrix scipy makes of the same triplets, and the
row values scipy computes, so that a solve needs no scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from planner.lp import LinearProgram


def program(rows, cols, coefs, shape) -> LinearProgram:
    height, width = shape
    return LinearProgram.from_triplets(
        np.asarray(rows, dtype=np.int64),
        np.asarray(cols, dtype=np.int64),
        np.asarray(coefs, dtype=float),
        cost=np.ones(width),
        lower=np.zeros(width),
        upper=np.full(width, np.inf),
        row_lower=np.zeros(height),
        row_upper=np.full(height, np.inf),
    )


@st.composite
def triplets(draw):
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    count = draw(st.integers(0, 30))
    rows = draw(st.lists(st.integers(0, height - 1), min_size=count, max_size=count))
    cols = draw(st.lists(st.integers(0, width - 1), min_size=count, max_size=count))
    # Small whole numbers: repeated pairs that cancel exactly, and zeros given outright.
    coefs = draw(st.lists(st.integers(-3, 3).map(float), min_size=count, max_size=count))
    return rows, cols, coefs, (height, width)


@given(triplets())
def test_the_triplets_make_scipys_canonical_matrix_and_its_row_values(case):
    rows, cols, coefs, shape = case
    lp = program(rows, cols, coefs, shape)
    theirs = sp.csr_matrix((np.asarray(coefs, dtype=float), (rows, cols)), shape=shape)
    theirs.sum_duplicates()
    theirs.eliminate_zeros()
    assert lp.indptr.tolist() == theirs.indptr.tolist()
    assert lp.indices.tolist() == theirs.indices.tolist()
    assert lp.data.tolist() == theirs.data.tolist()
    assert lp.nonzeros == theirs.nnz and 0.0 not in lp.data
    x = np.arange(1.0, shape[1] + 1.0)
    assert lp.row_activity(x).tolist() == (theirs @ x).tolist()
    assert (lp.matrix != theirs).nnz == 0


def test_a_program_made_from_a_scipy_matrix_sums_its_repeats_and_can_change_its_matrix():
    repeated = sp.coo_matrix(([1.0, 2.0, 4.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    lp = LinearProgram.from_matrix(
        repeated,
        cost=np.zeros(2),
        lower=np.zeros(2),
        upper=np.ones(2),
        integer=np.zeros(2, dtype=bool),
        row_lower=np.zeros(2),
        row_upper=np.ones(2),
    )
    assert lp.indptr.tolist() == [0, 1, 2] and lp.indices.tolist() == [1, 0] and lp.data.tolist() == [3.0, 4.0]
    changed = lp.replaced(matrix=sp.csr_matrix(np.array([[0.0, 5.0], [0.0, 0.0]])), cost=np.ones(2))
    assert changed.data.tolist() == [5.0] and changed.indptr.tolist() == [0, 1, 1] and changed.cost.tolist() == [1, 1]
    assert lp.data.tolist() == [3.0, 4.0]  # the first program is unchanged


def test_a_coefficient_outside_the_matrix_or_bounds_of_another_length_are_refused():
    with pytest.raises(ValueError, match="outside the 2 x 2 matrix"):
        program([0, 2], [0, 0], [1.0, 1.0], (2, 2))
    with pytest.raises(ValueError, match="outside the 2 x 2 matrix"):
        program([0], [-1], [1.0], (2, 2))
    lp = program([0], [1], [1.0], (2, 2))
    with pytest.raises(ValueError, match="one entry per column"):
        lp.replaced(lower=np.zeros(3))
    with pytest.raises(ValueError, match="outside the 1 columns"):
        lp.replaced(cost=np.ones(1), lower=np.zeros(1), upper=np.ones(1), integer=np.zeros(1, dtype=bool))
