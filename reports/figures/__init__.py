"""The report's figures (matplotlib, Agg): each function takes tidy rows and returns a Figure
(:mod:`.plots`; the figures across machines, commits and device counts: :mod:`.plots_across`; the
shared style: :mod:`.plot_style`). :mod:`reports.render` saves them."""
