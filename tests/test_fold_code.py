"""The build-time folding of code cells in `_ext/fold_code.py` (tests/browser checks the book)."""

import importlib.util
from pathlib import Path

from docutils import nodes

_PATH = Path(__file__).resolve().parents[1] / "_ext" / "fold_code.py"
_SPEC = importlib.util.spec_from_file_location("fold_code", _PATH)
fold_code = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fold_code)


def _cell(tags=(), source=True, output=True, hide_mode=None):
    """A container shaped like the one myst-nb's renderer makes for a code cell."""
    cell = nodes.container(nb_element="cell_code", cell_metadata={"tags": list(tags)})
    if source:
        cell += nodes.container(nb_element="cell_code_source")
    if output:
        cell += nodes.container(nb_element="cell_code_output")
    if hide_mode:
        cell["hide_mode"] = hide_mode
        cell["prompt_show"], cell["prompt_hide"] = "show {type}", "hide {type}"
    return cell


def test_a_plain_code_cell_gets_its_source_folded_with_prompts():
    cell = _cell()
    assert fold_code.fold_cell(cell, ("Show {type}", "Hide {type}"))
    assert cell["hide_mode"] == "input"
    assert (cell["prompt_show"], cell["prompt_hide"]) == ("Show {type}", "Hide {type}")
    assert "tag_hide-input" in cell["classes"]


def test_show_input_tag_keeps_the_source_open():
    cell = _cell(tags=["show-input"])
    assert not fold_code.fold_cell(cell)
    assert cell.get("hide_mode") is None


def test_removed_source_and_already_folded_cells_are_left_alone():
    removed = _cell(source=False)
    assert not fold_code.fold_cell(removed)
    assert removed.get("hide_mode") is None
    for mode in ("input", "all", "input+output"):
        cell = _cell(hide_mode=mode)
        assert not fold_code.fold_cell(cell)
        assert cell["hide_mode"] == mode


def test_a_folded_output_stays_folded_and_the_input_folds_too():
    cell = _cell(tags=["hide-output"], hide_mode="output")
    assert fold_code.fold_cell(cell)
    assert cell["hide_mode"] == "input+output"
    assert cell["prompt_show"] == "show {type}"  # the cell's own prompts are kept


def test_other_containers_are_not_touched():
    other = nodes.container(nb_element="cell_code_output")
    assert not fold_code.fold_cell(other)
    assert not fold_code.fold_cell(nodes.container())


def test_toggle_label_that_mismatches_its_text_is_dropped():
    body = '<details class="hide above-input">\n<summary aria-label="Toggle hidden content">\n'
    fixed = fold_code.name_toggles_by_text(body)
    assert "aria-label" not in fixed and "<summary>" in fixed
    other = '<summary aria-label="Sections of Data">'
    assert fold_code.name_toggles_by_text(other) == other
