"""The book's plotting style: one colour-blind-safe palette and figure defaults for every chapter.

The palette is Okabe & Ito's eight colours ("Color Universal Design", 2008), distinguishable
under the common forms of colour-vision deficiency. Charts should not rely on colour alone:
pair colour with labels, markers or position.
"""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

#: Okabe-Ito palette, in its usual order (black last, for reference lines and text).
OKABE_ITO: list[str] = [
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
]

#: Colours that keep strong contrast with a white background (yellow omitted), for lines and text.
HIGH_CONTRAST: list[str] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]


def use_book_style() -> None:
    """Apply the book's matplotlib/seaborn defaults: white grid, readable fonts, Okabe-Ito colours.

    Also fixes the SVG/PNG metadata that would otherwise change between runs, and, in a notebook,
    gives every figure its text summary (:func:`medlead.figures.show_figure_summaries`), which the
    notebook tests compare instead of the image's bytes.
    """
    from medlead.figures import show_figure_summaries

    show_figure_summaries()
    sns.set_theme(context="notebook", style="whitegrid", palette=HIGH_CONTRAST)
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "figure.figsize": (9, 5),
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
            "axes.labelsize": 11,
            "svg.hashsalt": "medlead",
            "figure.autolayout": False,
        }
    )
