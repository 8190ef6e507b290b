"""The MIP gap: how close to the best possible cost a whole-unit plan must be proven to be called optimal.

A module of its own, without imports, so that the command line can show the default in its help
without loading the solvers.
"""

DEFAULT_MIP_GAP = 1e-4
"""Relative gap within which a whole-unit plan is called optimal: its cost is at most 0.01% above
the best possible (HiGHS's own default; CBC's is to prove the last cent, which can take hours)."""
