"""The book's data as files a student can open in a spreadsheet, written when the book is built.

Nothing here is committed: every file is computed from the pinned public sources by the same
package functions the chapters call, into a folder of the build (``_build/downloads`` when the
book is built; see ``_ext/downloads.py``), and the Data appendix links them.
:func:`write_downloads` writes

- ``trust-panel.csv``: the tidy trust panel (:func:`medlead.panel.trust_panel`), every
  trust-year, and ``trust-panel-dictionary.csv``, what each column means, its unit and source;
- one CSV per findings figure (:data:`FIGURE_TABLES`): the numbers the figure draws, computed
  with the chapter's default parameters (the constants below, copied from each chapter's
  parameter cell);
- a class coding worksheet (:mod:`medlead.worksheets`) as CSV and XLSX with its codebook;
- ``README.md``: what each file holds, its columns, and every source's publisher, licence and
  attribution (from ``data/sources.yml``);
- ``medlead-data.zip``: all of the above in one file.

The files are rewritten only when the package code or the project's own data files change
(:func:`fingerprint`), because the source files are pinned by checksum.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from medlead import atomic, data, paths
from medlead.fingerprint import files_digest, package_files

#: File that records the fingerprint of the code and data the folder was written from.
STAMP = ".fingerprint"
#: Name of the archive holding every file.
ZIP_NAME = "medlead-data.zip"

# The chapters' default parameters (each copied from the chapter's parameter cell).
#: listening.ipynb
KEYNESS_PAIRS = [("doctor", "nhs_manager"), ("doctor", "nurse_midwife")]
KEYNESS_MIN_FREQ = 10
KEYNESS_TOP = 10
THEME_GROUPS = ["doctor", "nurse_midwife", "nhs_manager", "civil_servant_minister"]
HEARING_YEARS = [2023, 2024]
LISTENING_REPS, LISTENING_LEVEL, LISTENING_SEED = 1000, 0.95, 20241127
#: coding.ipynb
CODING_GROUPS = ["doctor", "nurse_midwife", "nhs_manager", "civil_servant_minister",
                 "union_professional_body", "patient_family", "other"]
#: engagement-performance.ipynb
SURVEY_YEAR, OUTCOME_YEAR, RATING_YEAR = 2017, 2017, 2018
SENIOR_MANAGER_ITEMS = ["8b", "8c", "8d"]
TRUST_TYPES = ["acute"]
OUTCOME_LABELS = {
    "cqc_well_led": "CQC Well-led rating",
    "cqc_overall": "CQC overall rating",
    "shmi": "SHMI (mortality ratio)",
    "ae_4h_pct": "A&E: % seen within 4 hours",
    "rtt_18w_pct": "RTT: % waiting under 18 weeks",
}
OUTCOMES = list(OUTCOME_LABELS)
BALANCE_TYPES = ["acute", "specialist acute", "mental health", "community", "ambulance"]
MIN_TRUSTS = 5
CONFIDENCE = 0.95
#: worksheet
WORKSHEET_N, WORKSHEET_SEED, WORKSHEET_MAX_WORDS = 20, 2026, 60


@dataclass(frozen=True)
class FigureTable:
    """One downloadable table behind a figure."""

    file: str
    chapter: str
    figure: str
    description: str
    columns: str
    families: tuple[str, ...]


FIGURE_TABLES: tuple[FigureTable, ...] = (
    FigureTable(
        "coding-codes-by-group.csv", "Coding the testimony", "codes by witness group (heat map)",
        "For each code and witness group: the group's witness turns, how many of them the keyword "
        "patterns coded with the code, and that share in percent.",
        "code, code_label, group, group_turns, coded_turns, share_pct",
        ("covid-inquiry-m3",)),
    FigureTable(
        "listening-keyness.csv", "Listening to the professions", "top keywords each way",
        "The ten strongest keywords each way for each pair of groups (ranked by G2).",
        "group_a, group_b, direction (A: more in group_a), word, freq_a, freq_b, per_1000_a, "
        "per_1000_b, g2 (log-likelihood), log_ratio (binary log of the ratio of rates)",
        ("covid-inquiry-m3",)),
    FigureTable(
        "listening-theme-shares.csv", "Listening to the professions", "who talks about which theme",
        "Share of each group's turns that touch each theme, with a bootstrap interval that "
        "resamples witnesses.",
        "group, theme, theme_label, turns, turns_with_theme, share_pct, lower_pct, upper_pct, "
        "witnesses, level", ("covid-inquiry-m3",)),
    FigureTable(
        "listening-theme-cooccurrence.csv", "Listening to the professions",
        "turns coded with both themes",
        "Number of witness turns coded with both themes (the diagonal: turns with the theme).",
        "theme, then one column per theme", ("covid-inquiry-m3",)),
    FigureTable(
        "listening-hybrids-vs-other-doctors.csv", "Listening to the professions",
        "hybrid medical managers compared with other doctors",
        "Share of turns touching each theme among hybrid medical managers and other doctors, "
        "and the difference with a bootstrap interval that resamples witnesses.",
        "theme, theme_label, hybrids_pct, other_doctors_pct, difference_points, lower_points, "
        "upper_points, level", ("covid-inquiry-m3",)),
    FigureTable(
        "engagement-trusts.csv", "Medical engagement and performance",
        "ratings and scatter figures (one point per trust)",
        f"One row per {', '.join(TRUST_TYPES)} trust: senior-manager score (mean percent agreeing "
        f"with staff-survey items {', '.join(SENIOR_MANAGER_ITEMS)}, {SURVEY_YEAR}), staff "
        f"engagement 2019, CQC ratings in force at the end of financial year {RATING_YEAR}, "
        f"SHMI, A&E and RTT performance in {OUTCOME_YEAR}.",
        "org_code, org_name, org_type, senior_manager_score, staff_engagement_2019, "
        + ", ".join(OUTCOMES), ("asaria-panel", "cqc-ratings-2018", "staff-survey-2019")),
    FigureTable(
        "engagement-score-by-rating.csv", "Medical engagement and performance",
        "senior-manager score by CQC rating (means)",
        "Mean senior-manager score of the trusts at each CQC rating, with a t interval.",
        "rating (cqc_well_led or cqc_overall), level, n, mean, sd, ci_low, ci_high",
        ("asaria-panel", "cqc-ratings-2018")),
    FigureTable(
        "engagement-correlations.csv", "Medical engagement and performance",
        "staff views and trust performance (forest plot)",
        "Spearman's rank correlation of each staff measure with each outcome, with its interval "
        "and p-values (Holm-adjusted over the table).",
        "staff_measure, outcome, outcome_label, n, r (Spearman), ci_low, ci_high, p_value, "
        "p_holm",
        ("asaria-panel", "cqc-ratings-2018", "staff-survey-2019")),
    FigureTable(
        "engagement-manager-share.csv", "Medical engagement and performance",
        "the balance of managers and consultants, by trust type",
        "Mean of managers / (managers + consultants), FTE, by trust type and year, with a t "
        f"interval; points resting on fewer than {MIN_TRUSTS} trusts are left out.",
        "org_type, year, n, mean, sd, ci_low, ci_high", ("asaria-panel",)),
)


# --- the tables ---------------------------------------------------------------------------------


def coding_tables() -> dict[str, pd.DataFrame]:
    """The table behind the coding chapter's heat map (codes by witness group, share of turns)."""
    from medlead import codebook, coding, corpus

    turns = corpus.load_turns()
    witness = corpus.witness_turns(turns)
    book = codebook.load_codebook()
    codes = coding.code_names(book)
    hits = coding.cached_code_turns(witness, book)
    count = coding.code_group_matrix(hits, witness, codes, measure="count")[CODING_GROUPS]
    share = coding.code_group_matrix(hits, witness, codes, measure="share")[CODING_GROUPS]
    group_turns = witness["group"].astype(str).value_counts()
    long = count.stack().rename("coded_turns").reset_index()
    long.columns = ["code", "group", "coded_turns"]
    long["share_pct"] = [100 * share.loc[c, g] for c, g in zip(long["code"], long["group"],
                                                                 strict=True)]
    long.insert(1, "code_label", long["code"].map(book.set_index("code")["label"]))
    long.insert(3, "group_turns", long["group"].map(group_turns).astype(int))
    return {"coding-codes-by-group.csv": long.round({"share_pct": 2})}


def listening_tables() -> dict[str, pd.DataFrame]:
    """The tables behind the listening chapter's keyness, theme, co-occurrence, hybrid figures."""
    from medlead import bootstrap, codebook, coding, corpus, text

    witness = corpus.witness_turns_with_cadre(
        corpus.load_turns(), corpus.load_speakers(), HEARING_YEARS)
    tokens = text.tokenize_texts(witness["text"])
    columns = ["word", "freq_a", "freq_b", "per_1000_a", "per_1000_b", "g2", "log_ratio"]
    keyness = []
    for group_a, group_b in KEYNESS_PAIRS:
        table = text.keyness_between(witness, "group", group_a, group_b, token_lists=tokens,
                                     min_freq=KEYNESS_MIN_FREQ)
        for direction in ("A", "B"):
            top = table.loc[table["direction"] == direction, columns].head(KEYNESS_TOP)
            keyness.append(top.assign(group_a=group_a, group_b=group_b, direction=direction))
    keyness_table = pd.concat(keyness, ignore_index=True)[
        ["group_a", "group_b", "direction"] + columns].round(3)

    book = codebook.load_codebook()
    code_list = coding.code_names(book)
    hits = coding.cached_code_turns(witness, book)
    coded = coding.coded_turns(hits, witness, code_list)
    theme_rows = book.loc[book["level"] == "theme"]
    themes = theme_rows["code"].tolist()
    theme_label = dict(zip(theme_rows["code"], theme_rows["label"], strict=True))
    flags = coding.theme_flags(coded, book)
    with_themes = witness.join(flags.reset_index(drop=True))
    in_groups = with_themes[with_themes["group"].isin(THEME_GROUPS)]
    shares = bootstrap.share_of_turns(in_groups, themes, group="group", cluster="person_id",
                                      reps=LISTENING_REPS, seed=LISTENING_SEED,
                                      level=LISTENING_LEVEL)
    share_table = pd.DataFrame({
        "group": shares["group"], "theme": shares["numerator"],
        "theme_label": shares["numerator"].map(theme_label),
        "share_pct": 100 * shares["estimate"], "lower_pct": 100 * shares["lower"],
        "upper_pct": 100 * shares["upper"], "witnesses": shares["n_clusters"],
        "level": LISTENING_LEVEL,
    })
    turns_in = in_groups.groupby("group").size()
    with_theme = in_groups.groupby("group")[themes].sum()
    share_table.insert(3, "turns", share_table["group"].map(turns_in).astype(int))
    share_table.insert(4, "turns_with_theme", [
        int(with_theme.loc[g, t]) for g, t in zip(share_table["group"], share_table["theme"],
                                                  strict=True)])
    together = coding.cooccurrence(flags)
    together.index.name = "theme"
    doctors = with_themes[with_themes["group"] == "doctor"]
    difference = bootstrap.difference_between_groups(
        doctors, themes, "hybrid medical manager", "other doctor", group="cadre",
        cluster="person_id", reps=LISTENING_REPS, seed=LISTENING_SEED, level=LISTENING_LEVEL)
    hybrid_table = pd.DataFrame({
        "theme": difference["numerator"], "theme_label": difference["numerator"].map(theme_label),
        "hybrids_pct": 100 * difference["estimate_a"],
        "other_doctors_pct": 100 * difference["estimate_b"],
        "difference_points": 100 * difference["difference"],
        "lower_points": 100 * difference["lower"], "upper_points": 100 * difference["upper"],
        "level": LISTENING_LEVEL,
    })
    return {
        "listening-keyness.csv": keyness_table,
        "listening-theme-shares.csv": share_table.round(2),
        "listening-theme-cooccurrence.csv": together.astype(int).reset_index(),
        "listening-hybrids-vs-other-doctors.csv": hybrid_table.round(2),
    }


def engagement_tables(panel: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables behind the engagement chapter's ratings, forest, scatter and balance figures."""
    from medlead import engagement, stats

    panel = engagement.add_performance(panel)
    panel["senior_manager_score"] = engagement.senior_manager_score(panel, SENIOR_MANAGER_ITEMS)
    panel["manager_share"] = engagement.manager_share(panel)
    measures = {"senior_manager_score": SURVEY_YEAR, "staff_engagement_2019": 2019,
                "cqc_well_led": RATING_YEAR, "cqc_overall": RATING_YEAR,
                "shmi": OUTCOME_YEAR, "ae_4h_pct": OUTCOME_YEAR, "rtt_18w_pct": OUTCOME_YEAR}
    trusts = engagement.cross_section(panel, measures)
    trusts = trusts[trusts["org_type"].isin(TRUST_TYPES)].reset_index(drop=True)
    keep = ["org_code", "org_name", "org_type", "senior_manager_score",
            "staff_engagement_2019"] + OUTCOMES
    means = []
    for rating in ("cqc_well_led", "cqc_overall"):
        table = stats.group_means(trusts, "senior_manager_score", rating, conf=CONFIDENCE)
        means.append(table.rename(columns={rating: "level"}).assign(rating=rating))
    by_rating = pd.concat(means, ignore_index=True)
    by_rating = by_rating[["rating"] + [c for c in by_rating.columns if c != "rating"]]
    correlations = stats.correlation_table(
        trusts, ["senior_manager_score", "staff_engagement_2019"], OUTCOMES, conf=CONFIDENCE)
    correlations["p_holm"] = stats.holm_adjust(correlations["p_value"])
    balance = panel[panel["org_type"].isin(BALANCE_TYPES)]
    points = stats.group_means(balance, "manager_share", ["org_type", "year"], conf=CONFIDENCE)
    points = points[points["n"] >= MIN_TRUSTS].reset_index(drop=True)
    return {
        "engagement-trusts.csv": trusts[[c for c in keep if c in trusts.columns]],
        "engagement-score-by-rating.csv": by_rating,
        "engagement-correlations.csv": correlations.assign(
            outcome_label=correlations["y"].map(OUTCOME_LABELS))
        .rename(columns={"x": "staff_measure", "y": "outcome"})[
            ["staff_measure", "outcome", "outcome_label", "n", "r", "ci_low", "ci_high",
             "p_value", "p_holm"]],
        "engagement-manager-share.csv": points,
    }


# --- README and writing ------------------------------------------------------------------------


def sources_markdown(families: Sequence[str] | None = None) -> str:
    """Publisher, licence, status and citation of each source family (all when not given)."""
    rows = []
    for family in data.families().values():
        if families is not None and family.name not in families:
            continue
        rows.append(
            f"- **{family.title}** (`{family.name}`, {family.status}). Publisher: "
            f"{family.publisher}. Licence: {family.licence}. Cite: {', '.join(family.citation)} "
            "(keys in the book's references.bib)."
        )
    return "\n".join(rows)


def readme(panel_rows: int, dictionary: pd.DataFrame, worksheet_turns: int) -> str:
    """The README written beside the files: contents, columns, sources and licences."""
    figure_lines = "\n".join(
        f"- `{t.file}`: chapter *{t.chapter}*, figure \"{t.figure}\". {t.description} "
        f"Columns: {t.columns}. Sources: {', '.join(t.families)}."
        for t in FIGURE_TABLES
    )
    dictionary_lines = "\n".join(
        f"| `{r.column}` | {r.description} | {r.unit_or_scale} | {r.source} | {r.status} |"
        for r in dictionary.itertuples()
    )
    return f"""# Data behind "Are we nearly there yet? Medical leadership in the English NHS"

These files were computed by the book's code (the `medlead` package) from pinned, checksummed
public sources when the book was built. They are not official statistics: each is a table the book
derived, and the sources below keep their own licences. Open the CSV files in any spreadsheet
program (UTF-8, comma separated; an empty cell is a missing value, never a zero).

## The trust panel

- `trust-panel.csv`: the tidy trust panel, one row per NHS trust and financial year
  ({panel_rows:,} trust-years). `year` is the first calendar year of the financial year (2016 means
  April 2016 to March 2017).
- `trust-panel-dictionary.csv`: the data dictionary below, with the years each column covers.

| column | meaning | unit or scale | source | status |
|---|---|---|---|---|
{dictionary_lines}

*Official*: published by an NHS body. *Derived*: built by researchers from official statistics.

## Tables behind the findings figures

Each is computed with the chapter's default parameters; change a parameter in the chapter and
rerun it to get another version.

{figure_lines}

## The class coding worksheet

- `coding-worksheet.xlsx` (sheets Instructions, Coding, Codebook), or the same as
  `coding-worksheet.csv` with `coding-worksheet-codebook.csv`: {worksheet_turns} witness turns
  (each at most {WORKSHEET_MAX_WORDS} words, with its speaker and turn id) drawn with seed
  {WORKSHEET_SEED} from the book's validation sample, one empty column per code. Students fill in 1
  where a code applies; `medlead.worksheets.read_worksheets` and `class_agreement` compare them.
  The book's reference coding of these turns (`data/manual_codes.csv`) was made by
  an AI assistant, not by a human coder.

## Sources, licences and attribution

{sources_markdown()}

Transcript extracts in the worksheet are Crown copyright, from the UK Covid-19 Inquiry's published
Module 3 hearing transcripts, quoted in short attributed extracts for teaching and research. The
book's own files (code MIT, text and the project's authored data CC BY 4.0) are described in its
README.
"""


def fingerprint() -> str:
    """SHA-256 over every file of the package and the project's own data files (sources are
    pinned by checksum)."""
    data = [(f"data/{p.name}", p) for p in sorted(paths.DATA_DIR.glob("*.*")) if p.is_file()]
    return files_digest(package_files() + data)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def write_downloads(folder: str | Path, force: bool = False,
                    log: Callable[[str], None] | None = None) -> list[Path]:
    """Write every download into ``folder``; return the files written (or already up to date).

    Skips the work when ``folder`` already holds files made from the same code and data
    (:func:`fingerprint`), unless ``force``. Files are written atomically; the archive
    :data:`ZIP_NAME` is written last, and the fingerprint after it.
    """
    from medlead import codebook, corpus, worksheets
    from medlead.panel import trust_panel
    from medlead.provenance import panel_dictionary

    folder = Path(folder)
    stamp = folder / STAMP
    key = fingerprint()
    expected = expected_files()
    if (not force and stamp.is_file() and stamp.read_text() == key
            and all((folder / name).is_file() for name in expected)):
        return [folder / name for name in expected]
    say = log or (lambda message: None)
    say("medlead.downloads: writing the trust panel")
    panel = trust_panel()
    dictionary = panel_dictionary(panel)
    files: dict[str, bytes] = {
        "trust-panel.csv": _csv_bytes(panel),
        "trust-panel-dictionary.csv": _csv_bytes(dictionary),
    }
    say("medlead.downloads: writing the tables behind the findings figures")
    for make in (coding_tables, listening_tables):
        files.update({name: _csv_bytes(t) for name, t in make().items()})
    files.update({name: _csv_bytes(t) for name, t in engagement_tables(panel).items()})

    say("medlead.downloads: writing the coding worksheet")
    witness = corpus.witness_turns()
    book = codebook.load_codebook()
    chosen = worksheets.worksheet_sample(witness, n=WORKSHEET_N, seed=WORKSHEET_SEED,
                                         max_words=WORKSHEET_MAX_WORDS)
    table = worksheets.worksheet_table(chosen, witness, book)
    written = worksheets.write_worksheet(table, worksheets.definitions_table(book), folder)
    files.update({path.name: path.read_bytes() for path in written.values()})
    files["README.md"] = readme(len(panel), dictionary, len(table)).encode("utf-8")

    missing = sorted(set(expected) - set(files) - {ZIP_NAME})
    if missing:
        raise RuntimeError(f"medlead.downloads: no table was made for {missing}.")
    for name, content in files.items():
        atomic.write_bytes_atomically(folder / name, content)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in sorted(files):
            bundle.writestr(f"medlead-data/{name}", files[name])
    atomic.write_bytes_atomically(folder / ZIP_NAME, archive.getvalue())
    atomic.write_text_atomically(stamp, key)
    return [folder / name for name in expected]


def expected_files() -> list[str]:
    """Names of every file :func:`write_downloads` writes."""
    return (["README.md", "trust-panel.csv", "trust-panel-dictionary.csv"]
            + [t.file for t in FIGURE_TABLES]
            + ["coding-worksheet.csv", "coding-worksheet-codebook.csv", "coding-worksheet.xlsx",
               ZIP_NAME])
