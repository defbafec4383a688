"""How the report prints: display strings of times, speedups and statuses and the tables several
sections share (:mod:`.tables`), the notes under them (:mod:`.notes`), Markdown and LaTeX
(:mod:`.writers`) and the self-contained ``index.html`` (:mod:`.html`). Nothing here computes a
number or writes a file."""
