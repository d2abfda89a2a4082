"""Plans that arrive as files: assignment tables imported, a plan's own text drafted.

``plan import`` reads a table (.xlsx, .csv, tables in .docx) row by row; ``plan draft`` reads a
plan's text (.txt, .docx, .pdf with a text layer). Both give a draft in the shape of
``config/plan.yaml`` where every value says where it came from and everything not understood is
flagged for a person, never guessed. Nothing here writes to the database.
"""
