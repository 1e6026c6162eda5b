"""The only place that speaks SQL. Commands and services call functions here.

This package module imports nothing itself: `store.early` (the entry point's first
look at a server URL) must load without the SQLite adapter.
"""
