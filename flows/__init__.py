"""Prefect flows and deployments: each Section III unit followed up on a schedule, the coordinator
board, and the "Ghi nhận kết quả" form. Flows only wire ``htx_tasks``; no rule lives here.

Importing this package does not import Prefect (``flows.serve`` sets Prefect's environment first).
"""
