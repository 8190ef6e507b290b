"""Re-check a written plan against its scenario, as an auditor independent of the model builder.

``verify(folder)`` reads what :meth:`Result.to_dir` wrote (the tables, ``summary.json`` and the
resolved ``scenario.yaml``) and recomputes from the scenario what the plan must hold, trusting
none of the plan's own tables: that the scenario is the one solved (its digest), that every
number is finite and every quantity non-negative, demand from the scenario's demand entries
(served or reported unserved), busy units from the fleets' operating points, owned units from
the existing base and the builds, costs from the scenario's prices and the plan's units, and the
limits and policies (:mod:`planner.verify.checks`). A folder that cannot be read, in any way, is
one failed check per problem, naming the file and line (:mod:`planner.verify.folder`); a folder
written without a plan is one finding saying how the solve ended.
"""

from __future__ import annotations

from pathlib import Path

from planner.verify.checks import TOLERANCE, Check, limit_checks
from planner.verify.folder import NoPlan, Plan, read_plan
from planner.verify.recompute import CHECKS

__all__ = ["TOLERANCE", "Check", "verify"]


def verify(folder: str | Path) -> list[Check]:
    """Every check on the plan written in ``folder``; a plan is sound when all are ``ok``.

    Never raises on what the folder holds: a file that cannot be read is a failed ``files``
    check naming it, a folder without a plan a failed ``plan`` check, and a check that meets
    content it cannot handle fails saying so.
    """
    folder = Path(folder)
    try:
        plan = read_plan(folder)
    except NoPlan as exc:
        return [Check("plan", False, str(exc))]
    if not isinstance(plan, Plan):
        return [Check("files", False, str(finding)) for finding in plan]
    checks = [_guarded(check.__name__, lambda check=check: [check(plan)]) for check in CHECKS]
    checks.append(_guarded("limits", lambda: limit_checks(plan.scenario, plan.summary, plan.tables)))
    return [check for group in checks for check in group]


def _guarded(name: str, run) -> list[Check]:
    """The checks ``run`` returns, or one failed check when the tables hold what it cannot handle
    (an inconsistency the checks before it name, such as an owned fleet in a cloud region)."""
    try:
        return run()
    except (KeyError, ValueError, TypeError, ZeroDivisionError, AttributeError, IndexError) as exc:
        return [Check(name, False, f"could not be checked: {type(exc).__name__}: {exc}")]
