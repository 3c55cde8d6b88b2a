"""Profile cards and a placing figure for trusts picked by :mod:`medlead.sampling`.

A profile card is a small table about one trust in one year: what kind of trust it is, how big,
its CQC ratings, what its staff said about senior managers and, for acute trusts, its mortality
indicator. Every line says whether the value is official (as published) or derived (computed by
the panel's author or by this book), and which source it comes from, following the panel's data
dictionary (``data/panel_dictionary.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medlead.provenance import PANEL_DICTIONARY_PATH

#: Panel columns shown on a card: (column, short label on the card, longer description).
CARD_LINES: tuple[tuple[str, str, str], ...] = (
    ("org_type", "Type", "Type of trust"),
    ("foundation_trust", "Foundation trust", "Foundation trust (from the trust's name)"),
    ("region", "Region (HEE)", "Health Education England local office"),
    ("nhse_region", "NHS England region", "NHS England region, c. 2016"),
    ("nhsd_doctors_fte_2017", "Doctors FTE (Sep 2017)", "Doctors, full-time equivalent, "
     "30 September 2017"),
    ("consultants_fte", "Consultants FTE", "Consultants, full-time equivalent (basic definition)"),
    ("managers_fte", "Managers FTE", "Managers, full-time equivalent (basic definition)"),
    ("nhsd_senior_managers_fte_2017", "Senior managers FTE (Sep 2017)",
     "Senior managers, full-time equivalent, 30 September 2017"),
    ("cqc_well_led", "CQC Well-led", "CQC Well-led rating in force (date published)"),
    ("cqc_overall", "CQC overall", "CQC overall rating in force (date published)"),
    ("ss_q8a_agree_pct", "Know who senior managers are (%)",
     "Staff agreeing that they know who the senior managers are"),
    ("ss_q8b_agree_pct", "Communication with them effective (%)",
     "Staff agreeing that communication between senior managers and staff is effective"),
    ("ss_q8c_agree_pct", "They involve staff in decisions (%)",
     "Staff agreeing that senior managers try to involve staff in important decisions"),
    ("ss_q8d_agree_pct", "They act on staff feedback (%)",
     "Staff agreeing that senior managers act on staff feedback"),
    ("shmi", "SHMI", "Summary Hospital-level Mortality Indicator (1 = deaths as expected)"),
)
_DATES = {"cqc_well_led": "cqc_well_led_date", "cqc_overall": "cqc_overall_date"}
_SIZE_SOURCE = "nhs-workforce-2017-2018 (sum over staff groups)"


def _dictionary() -> pd.DataFrame:
    return pd.read_csv(PANEL_DICTIONARY_PATH, dtype=str).set_index("column")


def _format(column: str, value: object, row: pd.Series) -> str:
    if pd.isna(value):
        if column == "shmi" and row["org_type"] != "acute":
            return "not published for this type of trust"
        return "no value"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if column in _DATES:
        date = row[_DATES[column]]
        return f"{value} ({date:%d %b %Y})" if pd.notna(date) else str(value)
    if column == "shmi":
        return f"{value:.3f}"
    if isinstance(value, float):
        return f"{value:,.0f}" if column.endswith("fte") or "fte_" in column else f"{value:.1f}"
    return str(value).removeprefix("Health Education ")


def profile_card(panel: pd.DataFrame, picked: pd.Series, year: int) -> pd.DataFrame:
    """The profile card of one picked trust in one financial year.

    In: the trust panel, one row of :func:`medlead.sampling.maximum_variation_sample` (it gives
    ``org_code``, ``size_fte`` and ``senior_manager_score``) and the year of the sample.
    Out: one row per line of the card: ``measure``, ``value`` (formatted text), ``status``
    (official or derived) and ``source`` (source id). Values absent from the panel read "no value";
    SHMI for a trust that is not a general acute trust reads "not published for this type of
    trust".
    """
    rows = panel[(panel["org_code"] == picked["org_code"]) & (panel["year"] == year)]
    if len(rows) != 1:
        raise ValueError(f"The panel has {len(rows)} rows for {picked['org_code']} in {year}.")
    row = rows.iloc[0]
    dictionary = _dictionary()
    lines = [
        {"measure": label, "value": _format(column, row[column], row),
         "status": dictionary.at[column, "status"], "source": dictionary.at[column, "source"],
         "description": description}
        for column, label, description in CARD_LINES
    ]
    lines.insert(4, {"measure": "Total staff FTE", "value": f"{picked['size_fte']:,.0f}",
                     "status": "derived", "source": _SIZE_SOURCE,
                     "description": "Total staff, full-time equivalent (the size used to sample)"})
    lines.insert(-1, {"measure": "Senior-manager score (%)",
                      "value": f"{picked['senior_manager_score']:.1f}", "status": "derived",
                      "source": "this book, from the four items above",
                      "description": "Mean of the four staff-survey items above"})
    return pd.DataFrame(lines)


def card_key(card: pd.DataFrame) -> pd.DataFrame:
    """What each line of a profile card means, whether it is official or derived, and its source.

    In: any output of :func:`profile_card`. Out: ``measure`` (index), ``description``,
    ``status``, ``source``: the same for every trust, so it can be shown once.
    """
    return card.set_index("measure")[["description", "status", "source"]]


def card_markdown(card: pd.DataFrame, title: str, note: str = "") -> str:
    """A profile card as a sphinx-design ``grid-item-card`` holding a two-column table.

    In: the output of :func:`profile_card`, the card's title and an optional note shown under
    the table (e.g. why the trust was picked). Derived values are marked with a dagger (†).
    Out: MyST Markdown text, to be placed inside :func:`cards_grid`.
    """
    cells = [
        f"| {line.measure}{' †' if line.status == 'derived' else ''} | "
        f"{str(line.value).replace('|', '/')} |"
        for line in card.itertuples(index=False)
    ]
    body = "\n".join(["| Measure | Value |", "|---|---|", *cells])
    footer = f"\n\n{note}" if note else ""
    return f"````{{grid-item-card}} {title}\n\n{body}{footer}\n````\n"


def cards_grid(cards: list[str]) -> str:
    """Lay out card texts from :func:`card_markdown` in a grid: one column on narrow screens, two
    on wide ones."""
    return "`````{grid} 1 1 2 2\n:gutter: 2\n\n" + "\n".join(cards) + "`````\n"


def plot_sample_in_frame(frame: pd.DataFrame, sample: pd.DataFrame, palette: list[str]):
    """Place the sampled trusts among all trusts of the frame, on two panels, one above the other.

    Top: total staff FTE (log scale) against the senior-manager score. Bottom: the Well-led rating
    against the same score (points of each trust type shifted sideways so they do not overlap).
    Trust types differ by colour (from ``palette``) and marker; the sampled trusts are circled in
    black and numbered in order of picking. Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from medlead.sampling import WELL_LED_SCORES

    types = sorted(frame["org_type"].astype(str).unique())
    markers = dict(zip(types, ["o", "s", "^", "D", "v", "P", "X"], strict=False))
    colours = dict(zip(types, palette, strict=False))
    offsets = {t: (i - (len(types) - 1) / 2) * 0.14 for i, t in enumerate(types)}
    figure, (left, right) = plt.subplots(2, 1, figsize=(8, 9.5))

    def x_right(data: pd.DataFrame) -> pd.Series:
        shift = data["org_type"].astype(str).map(offsets)
        return data["well_led_score"] + shift

    for kind in types:
        these = frame[frame["org_type"].astype(str) == kind]
        style = {"marker": markers[kind], "color": colours[kind], "alpha": 0.6, "s": 28,
                 "edgecolor": "white", "linewidth": 0.4}
        left.scatter(these["size_fte"], these["senior_manager_score"], label=kind, **style)
        right.scatter(x_right(these), these["senior_manager_score"], **style)
    ring = {"s": 150, "facecolor": "none", "edgecolor": "black", "linewidth": 1.4}
    left.scatter(sample["size_fte"], sample["senior_manager_score"], label="sampled trust", **ring)
    right.scatter(x_right(sample), sample["senior_manager_score"], **ring)
    for _, trust in sample.iterrows():
        label = {"fontsize": 9, "fontweight": "bold", "xytext": (7, 5),
                 "textcoords": "offset points"}
        left.annotate(str(trust["pick"]), (trust["size_fte"], trust["senior_manager_score"]),
                      **label)
        right.annotate(str(trust["pick"]),
                       (x_right(sample.loc[[trust.name]]).iloc[0], trust["senior_manager_score"]),
                       **label)
    left.set_xscale("log")
    ticks = [t for t in (500, 1000, 2000, 5000, 10000, 20000)
             if frame["size_fte"].min() / 1.5 <= t <= frame["size_fte"].max() * 1.5]
    left.set_xticks(ticks, [f"{t:,}" for t in ticks])
    left.minorticks_off()
    left.set_xlabel("Total staff, full-time equivalent (log scale)")
    left.set_ylabel("Senior-manager score (% agreeing, mean of 4 items)")
    left.set_title("Size and staff views of senior managers")
    right.set_xticks(list(WELL_LED_SCORES.values()),
                     list(WELL_LED_SCORES))
    right.set_xlabel("CQC Well-led rating in force")
    right.set_ylabel(left.get_ylabel())
    right.set_title("Well-led rating and staff views")
    left.legend(title="Trust type", loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9,
                title_fontsize=10, frameon=False)
    figure.tight_layout()
    return figure
