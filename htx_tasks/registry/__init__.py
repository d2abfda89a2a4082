"""The registry of collective economic organisations (hợp tác xã, liên hiệp, tổ hợp tác).

Every change is a new version with ``valid_from``/``valid_to`` dates, so the registry can be
read "as of" any past day. ``fields`` describes the columns (pure), ``models`` the table,
``files`` reads and writes CSV/XLSX, ``service`` imports, exports and takes snapshots,
``demo`` makes the synthetic demonstration registry.
"""
