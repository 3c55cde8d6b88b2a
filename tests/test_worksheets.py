"""Tests for medlead.worksheets: making class coding worksheets and reading them back."""

import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from medlead import coding, reliability, worksheets
from medlead.codebook import load_codebook
from medlead.worksheets import WorksheetError

CODES = ["medical_director_posts", "speaking_up", "central_command"]


@pytest.fixture(scope="module")
def book():
    return load_codebook(bibliography=None)


@pytest.fixture(scope="module")
def witness():
    """Witness turns standing in for the corpus: the validation sample's ids, made-up texts."""
    sample = pd.read_csv(coding.MANUAL_SAMPLE_PATH, dtype=str)
    n = len(sample)
    return pd.DataFrame({
        "turn_id": sample["turn_id"],
        "n_words": [30 + (i * 37) % 300 for i in range(n)],
        "name": [f"Witness {i}" for i in range(n)],
        "group": ["nhs_manager"] * n,
        "text": [f"Text of turn {i}, with an accent: café." for i in range(n)],
    })


@pytest.fixture()
def made(tmp_path, witness, book):
    chosen = worksheets.worksheet_sample(witness, n=10, seed=3)
    table = worksheets.worksheet_table(chosen, witness, book, CODES)
    paths = worksheets.write_worksheet(table, worksheets.definitions_table(book, CODES), tmp_path)
    return chosen, table, paths


def _filled(table, values):
    """A copy of the worksheet table with the code cells filled from a list of 0/1 rows."""
    done = table.copy()
    for code, column in zip(CODES, np.array(values).T, strict=True):
        done[code] = ["1" if v else "" for v in column]
    return done


def test_sample_is_seeded_stratified_and_respects_max_words(witness):
    first = worksheets.worksheet_sample(witness, n=10, seed=3, max_words=200)
    again = worksheets.worksheet_sample(witness, n=10, seed=3, max_words=200)
    other = worksheets.worksheet_sample(witness, n=10, seed=4, max_words=200)
    assert first.equals(again) and not first.equals(other)
    assert first["stratum"].value_counts().tolist() == [2] * 5
    words = witness.set_index("turn_id")["n_words"]
    assert (first["turn_id"].map(words) <= 200).all()
    with pytest.raises(WorksheetError, match="Lower n or raise max_words"):
        worksheets.worksheet_sample(witness, n=200, max_words=100)


def test_worksheet_files_hold_the_turns_codes_and_definitions(made, book):
    chosen, table, paths = made
    assert list(table.columns) == worksheets.INFO_COLUMNS + CODES + ["note"]
    csv = pd.read_csv(paths["csv"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert csv["turn_id"].tolist() == chosen["turn_id"].tolist()
    assert csv["text"].str.contains("café").all()
    defs = pd.read_csv(paths["codebook_csv"], encoding="utf-8-sig")
    assert defs["code"].tolist() == CODES
    assert defs["definition"].tolist() == book.set_index("code").loc[CODES, "definition"].tolist()
    workbook = load_workbook(paths["xlsx"])
    assert workbook.sheetnames == list(worksheets.SHEETS)
    sheet = workbook["Coding"]
    assert [c.value for c in sheet[1]] == list(table.columns)
    assert sheet.max_row == len(table) + 1
    assert sheet.data_validations.dataValidation, "code cells should only accept 1 or 0"


def test_unknown_code_when_making_a_worksheet(witness, book):
    chosen = worksheets.worksheet_sample(witness, n=5)
    with pytest.raises(WorksheetError, match="not in the codebook.*leadership_vibes"):
        worksheets.worksheet_table(chosen, witness, book, ["leadership_vibes"])


def test_completed_csv_and_xlsx_read_back_the_same(made, tmp_path):
    chosen, table, paths = made
    values = [[i % 2, (i // 3) % 2, 0] for i in range(len(table))]
    _filled(table, values).to_csv(tmp_path / "anna.csv", index=False)
    # the XLSX as a student saves it: code cells as numbers, zeros typed in some cells
    workbook = load_workbook(paths["xlsx"])
    sheet = workbook["Coding"]
    for r, row in enumerate(values, start=2):
        for c, value in enumerate(row):
            sheet.cell(row=r, column=6 + c, value=value if (value or r % 2) else None)
    workbook.save(tmp_path / "ben.xlsx")
    read = worksheets.read_worksheets(
        [tmp_path / "anna.csv", tmp_path / "ben.xlsx"], chosen["turn_id"], CODES
    )
    assert list(read) == ["anna", "ben"]
    expected = np.array(values)
    assert (read["anna"].to_numpy() == expected).all()
    assert (read["ben"].to_numpy() == expected).all()
    assert read["anna"].index.tolist() == chosen["turn_id"].tolist()


def test_missing_row_is_refused_with_its_turn_id(made, tmp_path):
    chosen, table, _ = made
    done = _filled(table, [[1, 0, 0]] * len(table)).drop(index=3)
    done.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(WorksheetError, match=f"c.csv: turns .*missing.*{table['turn_id'][3]}"):
        worksheets.read_worksheet(tmp_path / "c.csv", chosen["turn_id"], CODES)


def test_extra_row_is_refused_with_its_line(made, tmp_path):
    chosen, table, _ = made
    done = _filled(table, [[1, 0, 0]] * len(table))
    extra = done.iloc[[0]].assign(turn_id="2024-01-01-0001")
    pd.concat([done, extra]).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(WorksheetError, match=r"not in the worksheet's sample.*\(12, '2024-01-01"):
        worksheets.read_worksheet(tmp_path / "c.csv", chosen["turn_id"], CODES)


def test_repeated_row_is_refused(made, tmp_path):
    chosen, table, _ = made
    done = _filled(table, [[1, 0, 0]] * len(table))
    pd.concat([done, done.iloc[[4]]]).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(WorksheetError, match=r"more than once \(lines \[6, 12\]\)"):
        worksheets.read_worksheet(tmp_path / "c.csv", chosen["turn_id"], CODES)


def test_a_code_not_in_the_codebook_is_refused(made, tmp_path):
    chosen, table, _ = made
    done = _filled(table, [[1, 0, 0]] * len(table)).assign(morale="1")
    done.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(WorksheetError, match=r"\['morale'\] are not codes"):
        worksheets.read_worksheet(tmp_path / "c.csv", chosen["turn_id"], CODES)
    dropped = _filled(table, [[1, 0, 0]] * len(table)).drop(columns="speaking_up")
    dropped.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(WorksheetError, match=r"\['speaking_up'\] are missing"):
        worksheets.read_worksheet(tmp_path / "d.csv", chosen["turn_id"], CODES)


def test_a_bad_cell_value_names_line_and_column(made, tmp_path):
    chosen, table, _ = made
    done = _filled(table, [[1, 0, 0]] * len(table))
    done.loc[2, "central_command"] = "yes"
    done.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(WorksheetError, match=r"line 4, column 'central_command' holds 'yes'"):
        worksheets.read_worksheet(tmp_path / "c.csv", chosen["turn_id"], CODES)


def test_other_file_kinds_and_duplicate_coder_names(made, tmp_path):
    chosen, _, paths = made
    (tmp_path / "x.txt").write_text("turn_id\n")
    with pytest.raises(WorksheetError, match=r"\.csv or \.xlsx"):
        worksheets.read_worksheet(tmp_path / "x.txt", chosen["turn_id"], CODES)
    with pytest.raises(WorksheetError, match="does not exist"):
        worksheets.read_worksheet(tmp_path / "nope.csv", chosen["turn_id"], CODES)
    (tmp_path / "sub").mkdir()
    copy = tmp_path / "sub" / paths["csv"].name
    copy.write_bytes(paths["csv"].read_bytes())
    with pytest.raises(WorksheetError, match="same coder name"):
        worksheets.read_worksheets([paths["csv"], copy], chosen["turn_id"], CODES)


def _coding(rows, units=None):
    units = units or [f"t{i}" for i in range(len(rows))]
    return pd.DataFrame(rows, index=pd.Index(units, name="turn_id"), columns=CODES)


def test_agreement_pairs_group_and_reference():
    # Krippendorff (2011) example A for the first code; second code identical; third unused.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    c = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    anna = _coding(np.array([a, a, [0] * 10]).T)
    ben = _coding(np.array([b, a, [0] * 10]).T)
    cleo = _coding(np.array([c, a, [0] * 10]).T)
    result = worksheets.class_agreement({"anna": anna, "ben": ben, "cleo": cleo}, reference=anna)

    assert list(result.pairs.columns) == worksheets.PAIR_COLUMNS
    assert len(result.pairs) == 3 * len(CODES)  # three pairs x three codes
    ab = result.pairs.set_index(["coder_a", "coder_b", "code"]).loc[("anna", "ben", CODES[0])]
    assert ab["krippendorff_alpha"] == pytest.approx(0.095, abs=0.001)  # published value
    assert ab["cohen_kappa"] == pytest.approx((0.6 - 0.56) / (1 - 0.56))

    group = result.group.set_index("code")
    kappas = result.pairs.loc[result.pairs["code"] == CODES[0], "cohen_kappa"]
    assert group.loc[CODES[0], "mean_pairwise_kappa"] == pytest.approx(kappas.mean())
    assert group.loc[CODES[0], "units_all_agree"] == 5  # turns 1, 3, 4, 6 and 7
    assert group.loc[CODES[0], "units_all_agree"] == sum(
        len({x, y, z}) == 1 for x, y, z in zip(a, b, c, strict=True))
    expected_alpha = reliability.krippendorff_alpha_nominal(np.array([a, b, c]))
    assert group.loc[CODES[0], "krippendorff_alpha"] == pytest.approx(expected_alpha)
    assert group.loc[CODES[1], "krippendorff_alpha"] == pytest.approx(1.0)
    assert math.isnan(group.loc[CODES[2], "krippendorff_alpha"])
    assert "no coder used this code" in group.loc[CODES[2], "note"]

    ref = result.reference
    assert set(ref["coder_b"]) == {worksheets.REFERENCE_CODER}
    assert "AI assistant" in worksheets.REFERENCE_CODER
    anna_ref = ref[(ref["coder_a"] == "anna") & (ref["code"] == CODES[1])].iloc[0]
    assert anna_ref["percent_agreement"] == 1.0


def test_two_coders_group_alpha_equals_the_pair_alpha():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 2, (20, 3)), rng.integers(0, 2, (20, 3))
    result = worksheets.class_agreement({"x": _coding(x), "y": _coding(y)})
    assert np.allclose(result.group["krippendorff_alpha"], result.pairs["krippendorff_alpha"])
    assert result.reference.empty


def test_agreement_needs_two_coders_and_the_same_turns():
    one = _coding(np.zeros((4, 3), dtype=int))
    with pytest.raises(WorksheetError, match="at least two coders"):
        worksheets.class_agreement({"solo": one})
    other = _coding(np.zeros((4, 3), dtype=int), units=["a", "b", "c", "d"])
    with pytest.raises(WorksheetError, match="do not cover the same turns"):
        worksheets.class_agreement({"p": one, "q": other})
    with pytest.raises(WorksheetError, match="reference coding lacks"):
        worksheets.class_agreement({"p": one, "q": one}, reference=other)


def test_reference_coding_is_the_manual_file():
    sample = pd.read_csv(coding.MANUAL_SAMPLE_PATH, dtype=str)
    ids = sample["turn_id"][:5].tolist()
    ref = worksheets.reference_coding(ids, CODES)
    manual = coding.load_manual_codes()
    assert ref.equals(manual.loc[ids, CODES])
    with pytest.raises(WorksheetError, match="no reference coding"):
        worksheets.reference_coding(["2099-01-01-0001"], CODES)


def test_csv_saved_by_a_spreadsheet_with_semicolons_and_windows_encoding(made, tmp_path):
    chosen, table, _ = made
    values = [[1, 0, i % 2] for i in range(len(table))]
    done = _filled(table, values)
    (tmp_path / "dora.csv").write_bytes(done.to_csv(index=False, sep=";").encode("cp1252"))
    read = worksheets.read_worksheet(tmp_path / "dora.csv", chosen["turn_id"], CODES)
    assert (read.to_numpy() == np.array(values)).all()
