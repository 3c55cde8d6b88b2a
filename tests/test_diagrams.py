"""The Mintzberg diagram draws exactly five named parts, with Mintzberg's own names."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from medlead.diagrams import FIVE_PARTS, NHS_EXAMPLES, draw_mintzberg_five_parts  # noqa: E402
from medlead.style import OKABE_ITO  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_five_parts_have_mintzbergs_names():
    assert FIVE_PARTS == (
        "Strategic apex",
        "Middle line",
        "Operating core",
        "Technostructure",
        "Support staff",
    )


def test_draws_one_labelled_shape_and_one_label_per_part():
    ax = draw_mintzberg_five_parts()
    assert [patch.get_label() for patch in ax.patches] == list(FIVE_PARTS)
    assert [text.get_text() for text in ax.texts] == list(FIVE_PARTS)


def test_draws_on_the_axes_it_is_given():
    _, ax = plt.subplots()
    assert draw_mintzberg_five_parts(ax) is ax
    assert len(ax.patches) == 5


def test_fills_use_the_book_palette_and_differ():
    ax = draw_mintzberg_five_parts()
    fills = [to_hex(patch.get_facecolor(), keep_alpha=False).upper() for patch in ax.patches]
    assert len(set(fills)) == 5
    assert set(fills) <= {colour.upper() for colour in OKABE_ITO}


def test_shapes_sit_where_mintzberg_puts_them():
    ax = draw_mintzberg_five_parts()
    extents = {
        patch.get_label(): patch.get_window_extent(ax.figure.canvas.get_renderer())
        for patch in ax.patches
    }
    assert extents["Strategic apex"].y0 > extents["Operating core"].y1
    assert extents["Technostructure"].x1 < extents["Support staff"].x0
    assert extents["Operating core"].width > extents["Strategic apex"].width


def test_examples_are_printed_under_the_part_name():
    ax = draw_mintzberg_five_parts(examples=NHS_EXAMPLES)
    by_gid = {text.get_gid(): text for text in ax.texts}
    assert set(by_gid) == set(FIVE_PARTS) | {f"{name} (example)" for name in FIVE_PARTS}
    for name in FIVE_PARTS:
        note = by_gid[f"{name} (example)"]
        assert note.get_text() == NHS_EXAMPLES[name]
        assert note.get_position()[1] < by_gid[name].get_position()[1]
    assert "trust board" in by_gid["Strategic apex (example)"].get_text()


def test_only_the_examples_given_are_printed():
    ax = draw_mintzberg_five_parts(examples={"Operating core": "consultants"})
    assert [text.get_text() for text in ax.texts] == [
        *FIVE_PARTS[:3],
        "consultants",
        *FIVE_PARTS[3:],
    ]


def test_unknown_part_in_examples_is_rejected_by_name():
    with pytest.raises(ValueError, match="Board of governors"):
        draw_mintzberg_five_parts(examples={"Board of governors": "x"})
