"""The plan's Section I.2 targets measured from the registry.

``filters`` checks and applies the filters written in ``config/plan.yaml``; ``compute`` is the
pure arithmetic (value, straight-line path, on-track flag and gap); ``service`` reads registry
snapshots year by year; ``charts`` draws one PNG per indicator; ``alerts`` tells the
coordinator and leadership when an indicator leaves its path.
"""
