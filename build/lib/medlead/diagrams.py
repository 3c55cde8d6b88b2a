"""Diagrams drawn in code for the book's framing chapters.

:func:`draw_mintzberg_five_parts` draws Henry Mintzberg's five basic parts of an organisation
(*The Structuring of Organizations*, 1979; *Structure in Fives*, 1983) in the familiar layout:
the strategic apex at the top, the middle line below it, the operating core along the base, the
technostructure on the left and the support staff on the right. The shapes are the book's own
schematic drawing, not a copy of Mintzberg's figure.

Colours come from the Okabe-Ito palette in :mod:`medlead.style`; every part is also named in text
inside its shape, so the diagram does not rely on colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.patches import Ellipse, FancyBboxPatch, Patch, Polygon

from medlead.style import OKABE_ITO

#: Mintzberg's names for the five basic parts, top to bottom, then left and right.
FIVE_PARTS: tuple[str, ...] = (
    "Strategic apex",
    "Middle line",
    "Operating core",
    "Technostructure",
    "Support staff",
)

#: The book's illustrative reading of each part in an English NHS acute trust (see the chapter
#: "Hospitals as professional bureaucracies"; these are examples, not a classification).
NHS_EXAMPLES: dict[str, str] = {
    "Strategic apex": "trust board,\nchief executive",
    "Middle line": "divisional and\nclinical directors,\nservice managers",
    "Operating core": "consultants, other doctors, nurses,\ntherapists treating patients",
    "Technostructure": "performance,\ninformation,\nfinance analysts",
    "Support staff": "estates, catering,\nIT, HR, legal",
}


@dataclass(frozen=True)
class _PartStyle:
    colour: str
    label_xy: tuple[float, float]


_STYLES: dict[str, _PartStyle] = {
    "Strategic apex": _PartStyle(OKABE_ITO[4], (5.0, 8.55)),  # blue
    "Middle line": _PartStyle(OKABE_ITO[2], (5.0, 5.6)),  # bluish green
    "Operating core": _PartStyle(OKABE_ITO[0], (5.0, 1.3)),  # orange
    "Technostructure": _PartStyle(OKABE_ITO[1], (1.7, 5.6)),  # sky blue
    "Support staff": _PartStyle(OKABE_ITO[6], (8.3, 5.6)),  # reddish purple
}

_FILL_ALPHA = 0.35


def _part_shapes() -> dict[str, Patch]:
    """Return one matplotlib patch per part, in data coordinates on a 10 x 10 canvas."""
    return {
        "Strategic apex": FancyBboxPatch(
            (3.6, 7.6), 2.8, 1.9, boxstyle="round,pad=0.05,rounding_size=0.4"
        ),
        # The middle line narrows from the apex and widens into the core, as in Mintzberg's sketch.
        "Middle line": Polygon(
            [(3.8, 7.5), (6.2, 7.5), (6.5, 4.0), (7.4, 2.6), (2.6, 2.6), (3.5, 4.0)], closed=True
        ),
        "Operating core": FancyBboxPatch(
            (0.6, 0.3), 8.8, 2.2, boxstyle="round,pad=0.05,rounding_size=0.6"
        ),
        "Technostructure": Ellipse((1.7, 5.4), 3.3, 4.2),
        "Support staff": Ellipse((8.3, 5.4), 3.3, 4.2),
    }


def draw_mintzberg_five_parts(
    ax: Axes | None = None, examples: Mapping[str, str] | None = None
) -> Axes:
    """Draw Mintzberg's five basic parts of an organisation as a labelled schematic.

    In: ``ax``, the matplotlib Axes to draw on (a new 9 x 7 inch figure when None); ``examples``,
    an optional mapping from a part's name (one of :data:`FIVE_PARTS`) to a short note printed under
    the name, e.g. :data:`NHS_EXAMPLES`.
    Out: the Axes, holding one filled patch per part (its label is the part's name), the part's
    name in bold inside its shape (the text's gid is the name) and, where given, the example note
    below it (gid ``"<name> (example)"``), with axis lines hidden.

    Raises ``ValueError`` naming any key of ``examples`` that is not one of Mintzberg's five parts.
    """
    examples = dict(examples or {})
    unknown = sorted(set(examples) - set(FIVE_PARTS))
    if unknown:
        raise ValueError(
            f"draw_mintzberg_five_parts: unknown part name(s) {', '.join(unknown)} in examples; "
            f"use only {', '.join(FIVE_PARTS)}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7))

    shapes = _part_shapes()
    for name in FIVE_PARTS:
        style = _STYLES[name]
        patch = shapes[name]
        patch.set_facecolor(to_rgba(style.colour, _FILL_ALPHA))
        patch.set_edgecolor(style.colour)
        patch.set_linewidth(2.0)
        patch.set_label(name)
        patch.set_gid(name)
        ax.add_patch(patch)

        x, y = style.label_xy
        has_example = name in examples
        ax.text(
            x,
            y + (0.45 if has_example else 0.0),
            name,
            ha="center",
            va="center",
            fontsize=11.5,
            fontweight="bold",
            color="#000000",
            gid=name,
        )
        if has_example:
            ax.text(
                x,
                y - 0.1,
                examples[name],
                ha="center",
                va="top",
                fontsize=9.5,
                color="#000000",
                linespacing=1.2,
                gid=f"{name} (example)",
            )

    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
