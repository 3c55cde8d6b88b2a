"""What a figure shows, as text: the numbers and words each matplotlib figure draws.

A chart's pixels depend on more than its data: the last bits of a least-squares line differ between
CPUs (OpenBLAS picks its kernels by processor), and one bit can move an anti-aliased edge by one
intensity level. Comparing saved images byte for byte therefore fails on a reader's machine although
nothing the figure shows has changed. So the book checks figures by what they show:
:func:`figure_summary` lists, for each panel, its titles, axis labels, limits and tick labels, and
the data of every line, marker set, bar, patch, image and text, with numbers rounded to
:data:`SIGNIFICANT_DIGITS` significant digits *of their array's scale*. A rounding difference in
the last place leaves the summary unchanged; a change in the data or the statistics (another year,
another model) changes it.

:func:`show_figure_summaries` makes that summary the ``text/plain`` form of every figure a notebook
displays or glues (the HTML shows the image, which comes first), so nbval compares it as text, and
the test configuration leaves the image bytes out of the comparison.
:func:`medlead.style.use_book_style` calls it, so every chapter that uses the book's style gets it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from matplotlib import collections as mcoll
from matplotlib import image as mimage
from matplotlib import patches as mpatches
from matplotlib import text as mtext
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

#: Significant digits kept, relative to the largest magnitude in each array.
SIGNIFICANT_DIGITS: int = 4

#: Arrays up to this many values are listed in full; longer ones are summarised.
LIST_UP_TO: int = 12


def _scale_unit(values: np.ndarray) -> float:
    """The rounding unit of an array: its largest magnitude, to SIGNIFICANT_DIGITS digits."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0 or float(finite.max()) == 0.0:
        return 0.0
    return 10.0 ** (math.floor(math.log10(float(finite.max()))) - (SIGNIFICANT_DIGITS - 1))


def _fmt(value: float, unit: float) -> str:
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if unit == 0.0:
        return "0"
    rounded = round(value / unit) * unit
    if rounded == 0:
        return "0"
    return f"{rounded:.{SIGNIFICANT_DIGITS}g}"


def describe_numbers(values: Iterable[float] | np.ndarray) -> str:
    """Describe an array of numbers, rounded to the array's own scale.

    In: any sequence of numbers (masked values are dropped). Out: the values in full when there
    are at most :data:`LIST_UP_TO`, otherwise ``n``, minimum, maximum, mean and standard deviation;
    each rounded to :data:`SIGNIFICANT_DIGITS` significant digits of the array's largest magnitude,
    so that values differing only in their last bits describe the same, and so that a value that is
    zero up to rounding (``1e-17`` next to ``0.5``) reads ``0``.
    """
    array = np.ma.masked_invalid(np.ma.asarray(values, dtype=float)).compressed()
    raw = np.asarray(np.ma.asarray(values, dtype=float).filled(np.nan)).ravel()
    missing = int(raw.size - array.size)
    unit = _scale_unit(array)
    if array.size <= LIST_UP_TO:
        listed = "[" + ", ".join(_fmt(float(v), unit) for v in array) + "]"
        return listed + (f" +{missing} missing" if missing else "")
    stats = (
        f"n={array.size} min={_fmt(float(array.min()), unit)} max={_fmt(float(array.max()), unit)}"
        f" mean={_fmt(float(array.mean()), unit)} sd={_fmt(float(array.std()), unit)}"
    )
    return stats + (f" +{missing} missing" if missing else "")


def _xy(label: str, xy: np.ndarray) -> list[str]:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2) if np.size(xy) else np.empty((0, 2))
    return [f"{label} x: {describe_numbers(xy[:, 0])}", f"{label} y: {describe_numbers(xy[:, 1])}"]


def _texts(texts: Iterable[mtext.Text]) -> list[str]:
    return [t.get_text() for t in texts if t.get_visible() and t.get_text().strip()]


def _artist_label(artist) -> str:
    label = str(artist.get_label() or "")
    return "" if label.startswith("_") else f" {label!r}"


def _describe_line(line: Line2D) -> list[str]:
    x = np.ma.asarray(line.get_xdata(orig=False), dtype=float)
    y = np.ma.asarray(line.get_ydata(orig=False), dtype=float)
    return [
        f"line{_artist_label(line)} ({line.get_linestyle()}, marker {line.get_marker()!s}):",
        f"  x: {describe_numbers(x)}",
        f"  y: {describe_numbers(y)}",
    ]


def _describe_collection(collection: mcoll.Collection) -> list[str]:
    kind = type(collection).__name__
    lines = [f"{kind}{_artist_label(collection)}:"]
    array = collection.get_array()
    if isinstance(collection, mcoll.QuadMesh) or (
        array is not None and not isinstance(collection, mcoll.PathCollection)
    ):
        if array is not None:
            lines.append(f"  values: {describe_numbers(np.ma.asarray(array).ravel())}")
    offsets = collection.get_offsets()
    if isinstance(collection, mcoll.PathCollection) and len(offsets):
        lines += ["  " + part for part in _xy("points", offsets)]
        sizes = collection.get_sizes()
        if len(sizes) > 1:
            lines.append(f"  sizes: {describe_numbers(sizes)}")
        if array is not None:
            lines.append(f"  colour values: {describe_numbers(np.ma.asarray(array).ravel())}")
    elif not isinstance(collection, mcoll.QuadMesh):
        # Lines, error bars and filled areas keep their paths in data coordinates.
        vertices = [path.vertices for path in collection.get_paths()]
        if vertices:
            stacked = np.concatenate([np.asarray(v, dtype=float) for v in vertices])
            lines.append(f"  {len(vertices)} paths")
            lines += ["  " + part for part in _xy("vertices", stacked)]
    colours = np.round(np.asarray(collection.get_facecolor(), dtype=float).reshape(-1, 4), 3)
    lines.append(f"  {len(np.unique(colours, axis=0))} face colours")
    return lines


def _describe_patches(patches: list[mpatches.Patch]) -> list[str]:
    lines: list[str] = []
    rectangles = [p for p in patches if type(p) is mpatches.Rectangle]
    if rectangles:
        lines.append(f"{len(rectangles)} rectangles (bars):")
        for name, values in (
            ("x", [r.get_x() for r in rectangles]),
            ("y", [r.get_y() for r in rectangles]),
            ("width", [r.get_width() for r in rectangles]),
            ("height", [r.get_height() for r in rectangles]),
        ):
            lines.append(f"  {name}: {describe_numbers(values)}")
    others = [p for p in patches if type(p) is not mpatches.Rectangle]
    for patch in others:
        path = patch.get_path().transformed(patch.get_patch_transform())
        lines.append(f"{type(patch).__name__}{_artist_label(patch)}:")
        lines += ["  " + part for part in _xy("outline", path.vertices)]
    return lines


def _describe_axes(number: int, ax: Axes) -> list[str]:
    lines = [f"panel {number}:"]
    titles = (ax.get_title(where) for where in ("left", "center", "right"))
    for what, value in (
        ("title", " | ".join(title for title in titles if title)),
        ("x label", ax.get_xlabel()),
        ("y label", ax.get_ylabel()),
    ):
        if value:
            lines.append(f"  {what}: {value}")
    lines.append(
        f"  x limits: {describe_numbers(ax.get_xlim())} ({ax.get_xscale()}); "
        f"y limits: {describe_numbers(ax.get_ylim())} ({ax.get_yscale()})"
    )
    for axis_name, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())):
        texts = _texts(labels)
        if texts:
            lines.append(f"  {axis_name} tick labels: {texts}")
    body: list[str] = []
    for line in ax.lines:
        if line.get_visible():
            body += _describe_line(line)
    for collection in ax.collections:
        if collection.get_visible():
            body += _describe_collection(collection)
    visible_patches = [p for p in ax.patches if p.get_visible()]
    body += _describe_patches(visible_patches)
    for image in ax.images:
        if isinstance(image, mimage.AxesImage) and image.get_visible():
            array = np.ma.asarray(image.get_array())
            body.append(f"image {array.shape}: {describe_numbers(array.ravel())}")
    texts = _texts(ax.texts)
    if texts:
        body.append(f"texts: {texts}")
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        title = legend.get_title().get_text()
        body.append(f"legend{f' {title!r}' if title else ''}: {_texts(legend.get_texts())}")
    return lines + ["  " + line for line in body]


def figure_summary(fig: Figure | SubFigure) -> str:
    """Return what ``fig`` shows, as text: one block per visible panel, rounded numbers.

    In: a matplotlib figure. Out: a multi-line string beginning ``Figure (N panels)``, listing
    the figure's own title and texts, then each visible panel (axes) in drawing order with its
    titles, axis labels, limits, tick labels, and the data of its lines, collections (scatter
    points, error bars, filled areas, heat maps), bars and other patches, images, texts and legend.
    Numbers go through :func:`describe_numbers`. Reading tick labels makes matplotlib lay the ticks
    out, as drawing would; the figure is not otherwise changed.
    """
    axes = [ax for ax in fig.get_axes() if ax.get_visible()]
    lines = [f"Figure ({len(axes)} panel{'s' if len(axes) != 1 else ''})"]
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        lines.append(f"title: {suptitle.get_text()}")
    figure_texts = _texts(t for t in fig.texts if t is not suptitle)
    if figure_texts:
        lines.append(f"texts: {figure_texts}")
    for legend in fig.legends:
        lines.append(f"legend: {_texts(legend.get_texts())}")
    for number, ax in enumerate(axes, start=1):
        lines += _describe_axes(number, ax)
    return "\n".join(lines)


def _register(shell) -> None:
    formatter = shell.display_formatter.formatters["text/plain"]
    if formatter.type_printers.get(Figure) is not _print_summary:
        formatter.for_type(Figure, _print_summary)


def _print_summary(fig: Figure, printer, cycle: bool) -> None:
    printer.text(figure_summary(fig))


def show_figure_summaries() -> bool:
    """Make :func:`figure_summary` the plain-text form of figures in the running IPython kernel.

    Figures shown with ``plt.show()`` or glued with ``myst_nb.glue`` then carry their summary as
    ``text/plain`` beside the image; readers see the image. Returns ``True`` when registered,
    ``False`` outside IPython (scripts, tests), where nothing is changed.

    matplotlib's inline backend removes every figure formatter when it is (re)activated (on the
    first figure of a session, or by ``%matplotlib inline``), so the backend is activated here
    first, and the formatter is checked again before every cell runs.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is part of every notebook environment
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import matplotlib
    from matplotlib import pyplot

    pyplot.switch_backend(matplotlib.get_backend())  # activates the inline backend now
    _register(shell)
    callbacks = shell.events.callbacks.get("pre_run_cell", [])
    if not any(getattr(c, "__name__", "") == "_reregister_figure_summaries" for c in callbacks):

        def _reregister_figure_summaries(*_args) -> None:
            _register(shell)

        shell.events.register("pre_run_cell", _reregister_figure_summaries)
    return True
