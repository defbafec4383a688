"""How the report prints: display strings of times, speedups and statuses and the tables several
sections share (:mod:`.tables`), the notes under them (:mod:`.notes`), Markdown and LaTeX
(:mod:`.writers`) and the self-contained ``index.html`` (:mod:`.html`). Nothing here computes a
number or writes a file."""

DEFAULT_FORMATS = ("png", "md", "tex", "html", "csv")   # what python -m reports writes unless --formats
ALL_FORMATS = ("png", "svg", "pdf", "md", "tex", "html", "csv")
