"""The web app for units and the coordinator: signed links, pages, evidence.

Importing this package imports nothing heavy: ``links`` and ``evidence`` are usable by the
delivery side and the CLI without FastAPI; ``app`` builds the application.
"""
