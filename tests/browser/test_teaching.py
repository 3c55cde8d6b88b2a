"""The built book for readers who do not code: folded code, downloads, worksheet.

- At least three quarters of the code cells of the notebook chapters are folded (their source
  inside a closed ``<details>`` toggle), outputs stay visible, and one click shows the code.
- The Data appendix's downloads ship in the site: the trust panel CSV with every trust-year, the
  tables behind the findings figures, the README and the coding worksheet (CSV and XLSX).
"""

from __future__ import annotations

import io
import urllib.parse
from pathlib import Path

import lxml.html
import pandas as pd
from sitecheck import REPO_ROOT, html_path, toc_docnames

#: Share of code cells that must be folded in the built book.
MIN_FOLDED = 0.75
DOWNLOADS_PAGE = "notebooks/data/downloads"


def _code_cells(site_dir: Path) -> dict[str, tuple[int, int]]:
    """(all code cells with their source shown or folded, folded ones) per notebook page."""
    counts = {}
    for docname in toc_docnames(REPO_ROOT):
        if not (REPO_ROOT / f"{docname}.ipynb").is_file():
            continue
        tree = lxml.html.parse(str(site_dir / html_path(docname)))
        inputs = tree.xpath("//article//div[contains(concat(' ', @class, ' '), ' cell_input ')]")
        folded = [i for i in inputs if i.xpath("ancestor::details[contains(@class, 'hide')]")]
        counts[docname] = (len(inputs), len(folded))
    return counts


def test_three_quarters_of_code_cells_are_folded(site_dir):
    counts = _code_cells(site_dir)
    total = sum(n for n, _ in counts.values())
    folded = sum(f for _, f in counts.values())
    assert total > 0, "no code cells found in the built notebook pages"
    assert folded / total >= MIN_FOLDED, (
        f"only {folded} of {total} code cells are folded: {counts}"
    )
    # outputs are never folded with the code
    tree = lxml.html.parse(str(site_dir / html_path("notebooks/coding")))
    outputs = tree.xpath("//article//div[contains(concat(' ', @class, ' '), ' cell_output ')]")
    assert outputs and not any(o.xpath("ancestor::details") for o in outputs
                               if not o.xpath("ancestor::*[contains(@class, 'dropdown')]"))


def test_a_show_input_cell_stays_open(site_dir):
    counts = _code_cells(site_dir)
    shown = {d: n - f for d, (n, f) in counts.items() if n > f}
    assert "notebooks/byo-worked-example" in shown, f"cells shown open per page: {shown}"


def test_the_toggle_shows_and_hides_the_code(tab, base_url):
    tab.goto(base_url + html_path("notebooks/coding"), wait_until="load")
    toggle = tab.locator("article details.hide.above-input").first
    code = toggle.locator("div.cell_input pre").first
    assert not code.is_visible(), "folded code is visible before the click"
    toggle.locator("summary").click()
    code.wait_for(state="visible", timeout=5_000)
    assert "import" in code.inner_text()
    toggle.locator("summary").click()
    code.wait_for(state="hidden", timeout=5_000)
    figure = tab.locator("article figure img").first
    assert figure.is_visible(), "the chapter's figure should be visible with the code folded"


def _download_links(site_dir: Path) -> dict[str, Path]:
    """{file name: path in the site} of every download link on the downloads page."""
    page = site_dir / html_path(DOWNLOADS_PAGE)
    tree = lxml.html.parse(str(page))
    links = {}
    for href in tree.xpath("//article//a[contains(@class, 'download')]/@href"):
        target = (page.parent / urllib.parse.unquote(href)).resolve()
        links[target.name] = target
    return links


def test_downloads_ship_in_the_site(site_dir):
    from medlead.downloads import expected_files

    links = _download_links(site_dir)
    missing = sorted(set(expected_files()) - set(links))
    assert not missing, f"files not linked from {DOWNLOADS_PAGE}: {missing}"
    unreadable = [name for name, path in links.items() if not path.is_file()]
    assert not unreadable, f"linked but missing from the site: {unreadable}"


def test_the_panel_csv_holds_every_trust_year(site_dir):
    from medlead.panel import trust_panel

    panel = trust_panel()
    csv = pd.read_csv(_download_links(site_dir)["trust-panel.csv"], dtype={"org_code": str})
    assert len(csv) == len(panel)
    assert not csv.duplicated(["org_code", "year"]).any()
    assert set(zip(csv["org_code"], csv["year"], strict=True)) == set(
        zip(panel["org_code"], panel["year"], strict=True))
    assert list(csv.columns) == list(panel.columns)
    readme = _download_links(site_dir)["README.md"].read_text(encoding="utf-8")
    assert "Open Government Licence" in readme and "AI assistant" in readme


def test_the_worksheet_downloads_open_and_read_back(site_dir, tmp_path):
    from openpyxl import load_workbook

    from medlead import worksheets

    links = _download_links(site_dir)
    workbook = load_workbook(io.BytesIO(links["coding-worksheet.xlsx"].read_bytes()))
    assert workbook.sheetnames == list(worksheets.SHEETS)
    blank = pd.read_csv(links["coding-worksheet.csv"], dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    codes = [c for c in blank.columns if c not in worksheets.INFO_COLUMNS + ["note"]]
    assert len(blank) >= 10 and len(codes) >= 10
    # an untouched worksheet reads back as "no code applied" for every turn
    read = worksheets.read_worksheet(links["coding-worksheet.xlsx"], blank["turn_id"], codes)
    assert read.to_numpy().sum() == 0 and len(read) == len(blank)
