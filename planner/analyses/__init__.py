"""Planning questions answered with many solves: break-even volumes and prices, frontiers,
near-optimal alternatives, plans robust to demand and vendor-loss stress tests.

Each analysis is a function of a :class:`planner.Scenario` returning tables (pandas DataFrames
whose columns carry their units), shared pieces live in :mod:`planner.analyses.subject`
(what an analysis is about) and :mod:`planner.analyses.axis` (what it varies, and the solves along it).
"""
