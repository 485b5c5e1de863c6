"""Funder reports: the figures a partner owes its funders, and a model owner's sum of partners.

`figures` (the queries, aggregated in SQL), `service` (reports and the
suppression of small counts), `exports` (CSV, XLSX, PDF) and `api`.
"""
