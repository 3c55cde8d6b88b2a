"""The contents of the seminars' teacher's packs, computed from the book's data.

Each seminar plan in ``book/`` links a pack page (``notebooks/packs/``) that a teacher can print
and use without running code. The pages call the functions here, so every extract, answer and
result in a pack is recomputed whenever the book is built.

- Seminar 1 (professional bureaucracy): :func:`hybrid_makeup` (who the hybrid medical managers
  are), :func:`keyword_lines` (one line in context, with speaker counts, for every keyword of a
  keyness table), :func:`term_by_group` and :func:`lines_per_speaker` (a post title in use).
- Seminar 2 (thematic analysis): :func:`handout_extracts`, :func:`coding_grid` and
  :func:`answer_key` (which codes' patterns fire on each extract, and on which words), and
  :func:`kappa_steps` (percent agreement, chance agreement and Cohen's kappa worked by hand).
- Seminar 3 (engagement and performance): :func:`engagement_results` (the chapter's
  correlations and adjusted models for any choice of years, items and trust types).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from medlead import coding, engagement, stats, text

# --- seminar 1: who the hybrids are -----------------------------------------------------------

#: How an organisation's name places a post: (level, pattern), first match wins. Rules for the
#: book's speaker table (``data/speakers.csv``); an organisation that none matches is an error.
LEVEL_RULES: tuple[tuple[str, str], ...] = (
    ("professional society", r"\bSociety\b"),
    ("NHS trust or health board", r"\bTrust\b|\bHealth Board\b|\bNHS Greater Glasgow\b"),
    ("national body", r"\bGovernment\b|\bDepartment of Health\b|\bNHS England\b|"
                      r"\bHealth Security Agency\b|\bPublic Health (Wales|Scotland)\b|"
                      r"\bChief Medical Officer\b"),
)
#: Which UK nation an organisation or post belongs to: (nation, pattern), first match wins;
#: the rest are England or UK-wide bodies.
NATION_RULES: tuple[tuple[str, str], ...] = (
    ("Northern Ireland", r"Northern Ireland|Western Health and Social Care"),
    ("Scotland", r"Scotland|Scottish|Glasgow"),
    ("Wales", r"\bWales\b|\bWelsh\b|Hywel Dda"),
)
ENGLAND_OR_UK = "England or UK-wide"


def hybrid_makeup(speakers: pd.DataFrame) -> pd.DataFrame:
    """The hybrid medical managers of the speaker table: who they are and where their post sits.

    In: the speaker table (:func:`medlead.corpus.load_speakers`), with ``person_id``, ``name``,
    ``group``, ``hybrid_medical_manager``, ``organisation`` and ``role_title``.
    Out: one row per hybrid (doctors flagged as holding a management post), sorted by level and
    name, with ``name``, ``post``, ``organisation``, ``level`` (national body; NHS trust or
    health board; professional society, from :data:`LEVEL_RULES`), ``nation`` (from
    :data:`NATION_RULES`) and ``chief_medical_officer`` (the post title names a chief medical
    officer or adviser).
    Raises ``ValueError`` naming a hybrid who is not a doctor, or whose organisation no rule
    places.
    """
    needed = ["person_id", "name", "group", "hybrid_medical_manager", "organisation", "role_title"]
    missing = [c for c in needed if c not in speakers.columns]
    if missing:
        raise KeyError(f"hybrid_makeup: the speaker table lacks column(s) {missing}.")
    flagged = speakers[speakers["hybrid_medical_manager"].astype(bool)].drop_duplicates("person_id")
    not_doctors = flagged.loc[flagged["group"].astype(str) != "doctor", "name"].tolist()
    if not_doctors:
        raise ValueError(f"hybrid_makeup: hybrid medical managers who are not doctors: "
                         f"{not_doctors}; check data/speakers.csv (rule H).")
    rows = []
    for person in flagged.itertuples():
        where = f"{person.organisation} {person.role_title}"
        level = next((name for name, rule in LEVEL_RULES if re.search(rule, where)), None)
        if level is None:
            raise ValueError(
                f"hybrid_makeup: no rule in LEVEL_RULES places {person.name!r} "
                f"(organisation {person.organisation!r}); add one."
            )
        nation = next((name for name, rule in NATION_RULES if re.search(rule, where)),
                      ENGLAND_OR_UK)
        rows.append({
            "name": person.name, "post": person.role_title, "organisation": person.organisation,
            "level": level, "nation": nation,
            "chief_medical_officer": bool(re.search(r"chief medical (officer|adviser)",
                                                    person.role_title, re.IGNORECASE)),
        })
    order = {name: i for i, (name, _) in enumerate(
        (("national body", ""), ("NHS trust or health board", ""), ("professional society", "")))}
    table = pd.DataFrame(rows, columns=["name", "post", "organisation", "level", "nation",
                                        "chief_medical_officer"])
    return (table.assign(_order=table["level"].map(order))
            .sort_values(["_order", "name"], kind="stable").drop(columns="_order")
            .reset_index(drop=True))


def makeup_summary(makeup: pd.DataFrame) -> dict[str, object]:
    """Counts for prose from :func:`hybrid_makeup`: ``n``, ``n_national``, ``n_cmo``,
    ``n_trust``, ``n_nations`` and ``nations`` (the nations, in the order of the table)."""
    nations = list(dict.fromkeys(makeup["nation"]))
    return {
        "n": len(makeup),
        "n_national": int((makeup["level"] == "national body").sum()),
        "n_cmo": int(makeup["chief_medical_officer"].sum()),
        "n_trust": int((makeup["level"] == "NHS trust or health board").sum()),
        "n_nations": len(nations),
        "nations": nations,
    }


#: The posts of group task 1 (one sticky note each), with where the chapter "Hospitals as
#: professional bureaucracies" (section "The parts of an NHS trust") would put them. That is
#: one reading, offered for argument: posts that straddle two parts are the point of the task.
SEMINAR1_POSTS: tuple[tuple[str, str], ...] = (
    ("Chief executive", "Strategic apex"),
    ("Medical director", "Strategic apex (a doctor on the board)"),
    ("Director of nursing", "Strategic apex"),
    ("Finance director", "Strategic apex"),
    ("Divisional director", "Middle line"),
    ("Clinical director", "Middle line (drawn from the operating core)"),
    ("General manager of a division", "Middle line"),
    ("Consultant", "Operating core"),
    ("Doctor in training", "Operating core"),
    ("Ward sister or charge nurse", "Operating core (with first-line supervision)"),
    ("Performance analyst", "Technostructure"),
    ("Clinical governance lead", "Technostructure"),
    ("Head of estates", "Support staff"),
    ("IT service desk", "Support staff"),
)


# --- seminar 1: keywords and post titles in context -------------------------------------------


def _line(row: pd.Series) -> str:
    return f"… {row['left']} [{row['keyword']}] {row['right']} …"


def keyword_lines(
    index: text.TokenIndex,
    words: Sequence[str],
    column: str,
    value: str,
    window: int = 7,
    seed: int = 0,
) -> pd.DataFrame:
    """One line in context for every keyword, from the group the keyword marks, with who said it.

    In: a token index of the turns (its turns need ``turn_id``, ``name``, ``role_title`` and
    ``column``), the keywords, the column and value that pick the group (e.g. ``"cadre"``,
    ``"hybrid medical manager"``), the context width in words and a seed.
    Out: one row per keyword, in the order given, with ``word``, ``uses`` and ``speakers`` (uses
    of the word in the group, and how many different people made them), ``line`` (one use drawn
    at random with ``seed``, so not hand-picked), ``speaker``, ``post`` and ``turn_id``.
    Raises ``ValueError`` for a keyword the group never uses.
    """
    attributes = ("turn_id", "name", "role_title", column)
    hits = text.kwic(index, list(words), window=window, attributes=attributes)
    hits = hits[hits[column].astype(str) == value]
    rng = np.random.default_rng(seed)
    rows = []
    for word in words:
        mine = hits[hits["term"] == word]
        if mine.empty:
            raise ValueError(f"keyword_lines: {word!r} is never used by {column} == {value!r}.")
        pick = mine.iloc[int(rng.integers(len(mine)))]
        rows.append({"word": word, "uses": len(mine), "speakers": mine["name"].nunique(),
                     "line": _line(pick), "speaker": pick["name"], "post": pick["role_title"],
                     "turn_id": pick["turn_id"]})
    return pd.DataFrame(rows)


def term_by_group(
    index: text.TokenIndex, terms: Sequence[str], by: str, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """How often each term is used in each group, and by how many different people.

    In: a token index (turns with ``name`` and ``by``), the terms, the group column, and optional
    readable labels for the groups. Out: one row per term and group that uses it, with ``term``,
    ``group``, ``uses`` and ``speakers``, most uses first within each term.
    """
    hits = text.kwic(index, list(terms), attributes=("name", by))
    table = (hits.assign(group=hits[by].astype(str))
             .groupby(["term", "group"], sort=False)
             .agg(uses=("name", "size"), speakers=("name", "nunique")).reset_index())
    table["order"] = table["term"].map({t: i for i, t in enumerate(terms)})
    table = table.sort_values(["order", "uses", "group"], ascending=[True, False, True],
                              kind="stable").drop(columns="order").reset_index(drop=True)
    if labels:
        table["group"] = table["group"].map(lambda g: labels.get(g, g))
    return table


def lines_per_speaker(
    index: text.TokenIndex, term: str, by: str, window: int = 7, seed: int = 0,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One line in context per person who used ``term`` (drawn at random with ``seed``).

    Unlike the first lines in hearing order, which can all come from one long answer, this
    shows how different people use a word. Out: one row per speaker, ordered by group then
    name, with ``group``, ``speaker``, ``post``, ``uses`` (that speaker's uses), ``line`` and
    ``turn_id``.
    """
    hits = text.kwic(index, term, window=window, attributes=("turn_id", "name", "role_title", by))
    rng = np.random.default_rng(seed)
    rows = []
    for name, mine in hits.groupby("name", sort=True):
        pick = mine.iloc[int(rng.integers(len(mine)))]
        group = str(pick[by])
        rows.append({"group": labels.get(group, group) if labels else group, "speaker": name,
                     "post": pick["role_title"], "uses": len(mine), "line": _line(pick),
                     "turn_id": pick["turn_id"]})
    table = pd.DataFrame(rows, columns=["group", "speaker", "post", "uses", "line", "turn_id"])
    return table.sort_values(["group", "speaker"], kind="stable").reset_index(drop=True)


# --- seminar 2: extracts, coding grid, answer key, kappa --------------------------------------


def handout_extracts(
    framework: pd.DataFrame,
    themes: Sequence[str],
    n_from_themes: int = 7,
    n_other: int = 3,
    seed: int = 0,
    speakers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Extracts for a coding handout, drawn from a framework matrix's extracts (seeded).

    In: the long table of :func:`medlead.coding.framework_matrix`, the themes the grid uses,
    how many extracts to take from those themes and from the others, a seed, and optionally the
    speaker table (to add each speaker's post).
    Out: ``n_from_themes + n_other`` rows in a shuffled order numbered from 1 (``number``), with
    ``quote``, ``speaker``, ``post``, ``turn_id``, ``drawn_under`` (the theme whose cell the
    extract illustrates) and ``drawn_code``.
    Raises ``ValueError`` when there are too few extracts, or a theme is not in the matrix.
    """
    unknown = sorted(set(themes) - set(framework["theme"]))
    if unknown:
        raise ValueError(f"handout_extracts: theme(s) {unknown} are not in the framework matrix.")
    quoted = framework[framework["quote"].astype(str) != ""].drop_duplicates("turn_id")
    inside = quoted[quoted["theme"].isin(themes)]
    outside = quoted[~quoted["theme"].isin(themes)]
    if len(inside) < n_from_themes or len(outside) < n_other:
        raise ValueError(
            f"handout_extracts: asked for {n_from_themes} extracts from the themes and {n_other} "
            f"from the others, but the matrix has {len(inside)} and {len(outside)}."
        )
    rng = np.random.default_rng(seed)
    chosen = pd.concat([
        inside.iloc[np.sort(rng.choice(len(inside), n_from_themes, replace=False))],
        outside.iloc[np.sort(rng.choice(len(outside), n_other, replace=False))],
    ])
    chosen = chosen.iloc[rng.permutation(len(chosen))].reset_index(drop=True)
    post = {}
    if speakers is not None:
        post = speakers.drop_duplicates("name").set_index("name")["role_title"].to_dict()
    return pd.DataFrame({
        "number": np.arange(1, len(chosen) + 1),
        "quote": chosen["quote"].to_numpy(),
        "speaker": chosen["speaker"].to_numpy(),
        "post": [post.get(s, "") for s in chosen["speaker"]],
        "turn_id": chosen["turn_id"].to_numpy(),
        "drawn_under": chosen["theme"].to_numpy(),
        "drawn_code": chosen["code"].to_numpy(),
    })


def coding_grid(codebook: pd.DataFrame, themes: Sequence[str]) -> pd.DataFrame:
    """The codes of ``themes`` in plain words (no patterns), for a printed coding grid.

    Out: one row per code, in codebook order, with ``theme`` (label), ``code``, ``label``,
    ``definition``, ``use_when`` and ``not_when``.
    """
    theme_label = codebook[codebook["level"] == "theme"].set_index("code")["label"]
    unknown = sorted(set(themes) - set(theme_label.index))
    if unknown:
        raise ValueError(f"coding_grid: theme(s) {unknown} are not in the codebook.")
    rows = codebook[(codebook["level"] == "code") & codebook["theme"].isin(themes)]
    return pd.DataFrame({
        "theme": rows["theme"].map(theme_label).to_numpy(),
        "code": rows["code"].to_numpy(), "label": rows["label"].to_numpy(),
        "definition": rows["definition"].to_numpy(), "use_when": rows["use_when"].to_numpy(),
        "not_when": rows["not_when"].to_numpy(),
    })


def answer_key(
    extracts: pd.DataFrame, codebook: pd.DataFrame, themes: Sequence[str]
) -> pd.DataFrame:
    """What the keyword patterns find in each extract itself: the codes and the words matched.

    The key is the patterns' coding of the words students read, not the theme an extract was
    drawn under (an extract drawn under one theme can also match codes of another).
    In: :func:`handout_extracts`, the codebook, and the themes on the students' grid.
    Out: one row per extract with ``number``, ``grid_codes`` (codes of ``themes`` whose patterns
    match, each with the matched words, e.g. ``"medical_director_posts ('medical director')"``,
    or ``"none"``), ``other_codes`` (the same for codes not on the grid) and ``drawn_under``.
    """
    compiled = coding.compile_codes(codebook)
    theme_of = codebook[codebook["level"] == "code"].set_index("code")["theme"]
    rows = []
    for extract in extracts.itertuples():
        quote = str(extract.quote)
        on_grid, off_grid = [], []
        for code, pattern in compiled.items():
            words = list(dict.fromkeys(m.group(0) for m in pattern.finditer(quote)))
            if not words:
                continue
            entry = f"{code} ({', '.join(repr(w) for w in words)})"
            (on_grid if theme_of[code] in themes else off_grid).append(entry)
        rows.append({"number": extract.number, "grid_codes": "; ".join(on_grid) or "none",
                     "other_codes": "; ".join(off_grid) or "none",
                     "drawn_under": extract.drawn_under})
    return pd.DataFrame(rows)


def kappa_steps(both: int, only_a: int, only_b: int, neither: int) -> dict[str, float]:
    """Percent agreement, chance agreement and Cohen's kappa from a 2x2 table, step by step.

    In: the counts of units both codings marked, only A, only B, and neither.
    Out: ``n``, ``yes_a`` and ``yes_b`` (each coding's share of yes), ``observed``, ``chance``
    (``yes_a * yes_b + (1 - yes_a) * (1 - yes_b)``), ``kappa`` (``(observed - chance) /
    (1 - chance)``, NaN when chance agreement is 1) and ``pabak`` (``2 * observed - 1``).
    Raises ``ValueError`` for negative counts or an empty table.
    """
    counts = (both, only_a, only_b, neither)
    if any(c < 0 for c in counts) or sum(counts) == 0:
        raise ValueError(
            f"kappa_steps: counts must be non-negative and not all zero, got {counts}."
        )
    n = float(sum(counts))
    yes_a, yes_b = (both + only_a) / n, (both + only_b) / n
    observed = (both + neither) / n
    chance = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    kappa = np.nan if chance == 1 else (observed - chance) / (1 - chance)
    return {"n": n, "yes_a": yes_a, "yes_b": yes_b, "observed": observed, "chance": chance,
            "kappa": kappa, "pabak": 2 * observed - 1}


# --- seminar 3: the engagement chapter's results for any choice -------------------------------

#: The chapter's defaults (``notebooks/engagement-performance.ipynb``, parameters cell).
ENGAGEMENT_DEFAULTS: dict[str, object] = {
    "survey_year": 2017, "outcome_year": 2017, "rating_year": 2018,
    "items": ("8b", "8c", "8d"), "trust_types": ("acute",),
    "model_years": tuple(range(2012, 2019)),
}
#: The chapter's outcomes, with labels for readers.
OUTCOMES: dict[str, str] = {
    "cqc_well_led": "CQC Well-led rating",
    "cqc_overall": "CQC overall rating",
    "shmi": "SHMI (mortality ratio; lower is better)",
    "ae_4h_pct": "A&E: % seen within 4 hours",
    "rtt_18w_pct": "RTT: % waiting under 18 weeks",
}
_RATINGS = ("cqc_well_led", "cqc_overall")


def engagement_results(
    panel: pd.DataFrame,
    survey_year: int = 2017,
    outcome_year: int = 2017,
    rating_year: int = 2018,
    items: Sequence[str] = ("8b", "8c", "8d"),
    trust_types: Sequence[str] = ("acute",),
    model_years: Sequence[int] = tuple(range(2012, 2019)),
    trust_effects: bool = False,
    conf: float = 0.95,
) -> dict[str, pd.DataFrame]:
    """The engagement chapter's two key tables for one choice of its parameters.

    In: the trust panel with performance added (:func:`medlead.engagement.add_performance` on
    :func:`medlead.panel.trust_panel`) and the chapter's parameters; ``trust_effects`` adds a
    fixed effect for each trust to the year-only model (the chapter's third exercise).
    Out: ``{"correlations": …, "models": …}``. ``correlations``: one row per outcome of
    :data:`OUTCOMES` with ``outcome``, ``trusts``, ``rho``, ``ci_low``, ``ci_high``, ``p_value``
    and ``p_holm`` (Spearman's correlation of the senior-manager score with the outcome,
    Fisher-z interval, Holm over these five tests). ``models``: for SHMI, A&E and RTT, one row
    per model ("year only", "adjusted" and, with ``trust_effects``, "each trust against
    itself") with ``outcome``, ``model``, ``estimate`` (change in the outcome for one standard
    deviation of the score), ``ci_low``, ``ci_high``, ``p_value``, ``rows``, ``trusts`` and
    ``terms`` (what the model adjusts for); ``models.attrs["score_sd"]`` is one standard
    deviation of the score, in percentage points, over the model's rows. Trust type is
    adjusted for only when the rows of that outcome hold more than one type, so no model is
    fitted with a constant column (the chapter's cell warns "design matrix is rank-deficient"
    when specialist trusts, which lack SHMI, are added).
    """
    unknown_types = sorted(set(trust_types) - set(panel["org_type"].astype(str)))
    if unknown_types:
        raise ValueError(f"engagement_results: trust type(s) {unknown_types} are not in the "
                         f"panel (it has {sorted(set(panel['org_type'].astype(str)))}).")
    panel = panel.copy()
    panel["senior_manager_score"] = engagement.senior_manager_score(panel, list(items))
    panel["manager_share"] = engagement.manager_share(panel)
    measures = {"senior_manager_score": survey_year, "cqc_well_led": rating_year,
                "cqc_overall": rating_year, "shmi": outcome_year, "ae_4h_pct": outcome_year,
                "rtt_18w_pct": outcome_year}
    trusts = engagement.cross_section(panel, measures)
    trusts = trusts[trusts["org_type"].isin(trust_types)]
    corr = stats.correlation_table(trusts, ["senior_manager_score"], list(OUTCOMES), conf=conf)
    correlations = pd.DataFrame({
        "outcome": corr["y"].map(OUTCOMES), "trusts": corr["n"].astype(int), "rho": corr["r"],
        "ci_low": corr["ci_low"], "ci_high": corr["ci_high"], "p_value": corr["p_value"],
        "p_holm": stats.holm_adjust(corr["p_value"]),
    })

    rows = panel[panel["org_type"].isin(trust_types) & panel["year"].isin(model_years)].copy()
    rows = rows.dropna(subset=["senior_manager_score", "consultants_fte", "manager_share",
                               "region"])
    rows = rows[rows["consultants_fte"] > 0]
    rows["score_sd"] = stats.standardise(rows["senior_manager_score"])
    rows["log_consultants"] = np.log(rows["consultants_fte"])
    rows["manager_share_10"] = rows["manager_share"] * 10
    results = []
    for outcome in (o for o in OUTCOMES if o not in _RATINGS):
        used = rows.dropna(subset=[outcome])
        if used["org_code"].nunique() < 10:
            continue
        adjusters = ["C(year)", "foundation_trust", "log_consultants", "manager_share_10",
                     "C(region)"]
        if used["org_type"].nunique() > 1:
            adjusters.insert(1, "C(org_type)")
        models = [("year only", ["C(year)"]), ("adjusted", adjusters)]
        if trust_effects:
            models.append(("each trust against itself", ["C(year)", "C(org_code)"]))
        for label, terms in models:
            with warnings.catch_warnings():
                # Trust fixed effects make the cluster-robust covariance singular by design.
                warnings.simplefilter("ignore", category=UserWarning)
                table = stats.ols_clustered(used, f"{outcome} ~ score_sd + " + " + ".join(terms),
                                            cluster="org_code", conf=conf)
            row = table.set_index("term").loc["score_sd"]
            results.append({
                "outcome": OUTCOMES[outcome], "model": label, "estimate": row["estimate"],
                "ci_low": row["ci_low"], "ci_high": row["ci_high"], "p_value": row["p_value"],
                "rows": table.attrs["n_obs"], "trusts": table.attrs["n_clusters"],
                "terms": ", ".join(_TERM_NAMES[t] for t in terms),
            })
    models = pd.DataFrame(results, columns=["outcome", "model", "estimate", "ci_low", "ci_high",
                                            "p_value", "rows", "trusts", "terms"])
    models.attrs["score_sd"] = float(rows["senior_manager_score"].std())
    return {"correlations": correlations, "models": models}


_TERM_NAMES = {
    "C(year)": "year", "C(org_type)": "trust type", "foundation_trust": "foundation status",
    "log_consultants": "size", "manager_share_10": "managers' share", "C(region)": "region",
    "C(org_code)": "each trust",
}
