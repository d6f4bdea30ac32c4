"""The portfolio engine's only contact with the outside world: files and the database.

Everything else in ``recaudo.portfolio`` is pure frame-to-frame functions. ``bulk`` moves frames
in and out of tables fast on both SQLite and PostgreSQL (COPY there), inside the caller's
transaction; the other modules here use it for imports and the refresh.
"""
