"""medlead: the analysis package behind the book *Are we nearly there yet?*

Every piece of logic the book's notebooks use lives here, in small modules with one concern each.

Files and data
- :mod:`medlead.paths`: where the project's own files (in a checkout or inside the installed
  package) and the download cache are.
- :mod:`medlead.atomic`: atomic file writes for every cache and export.
- :mod:`medlead.authored`: reading the CSV tables the project authors (timeline, speakers).
- :mod:`medlead.data`: fetching pinned, checksummed public source files (with an offline mirror).
- :mod:`medlead.sources`: one loader per source family, each giving a tidy, validated DataFrame.
- :mod:`medlead.panel`: the trust panel, one row per NHS trust per year.
- :mod:`medlead.provenance`: the raw-to-tidy checks shown in the Data appendix.
- :mod:`medlead.downloads`: the panel, figure tables and worksheet as files for the Data appendix.

Trusts and performance
- :mod:`medlead.sampling`: a purposive, maximum-variation sample of trusts from the trust panel.
- :mod:`medlead.profiles`: profile cards and a placing figure for sampled trusts.
- :mod:`medlead.engagement`: the tables behind the engagement and performance chapter.
- :mod:`medlead.stats`: correlations, group differences and adjusted models with intervals.

Testimony and coding
- :mod:`medlead.corpus`: the Covid-19 Inquiry's Module 3 hearings as speaker turns, with roles.
- :mod:`medlead.text`: tokenising, keyword in context, collocations, frequencies and keyness.
- :mod:`medlead.codebook`: the thematic codebook (``data/codebook.yml``), checked on load.
- :mod:`medlead.coding`: keyword-assisted coding, code-by-group matrices, framework matrices.
- :mod:`medlead.multiscan`: many case-insensitive regular expressions over one text in one pass.
- :mod:`medlead.bootstrap`: seeded cluster bootstrap over witnesses for theme rates.
- :mod:`medlead.reliability`: agreement between codings (Cohen's kappa, Krippendorff's alpha).
- :mod:`medlead.worksheets`: class coding worksheets (CSV, XLSX) and agreement among students.
- :mod:`medlead.refi`: REFI-QDA export (``.qdpx`` projects, ``.qdc`` codebooks); import is in
  :mod:`medlead.refi_import` (re-exported), position units in :mod:`medlead.refi_positions`.
- :mod:`medlead.transcripts`: your own transcripts as turns, one module per format (plain text,
  Word ``.docx``, WebVTT/SRT captions, REFI-QDA ``.qdpx``) behind ``read_transcript(s)``;
  :mod:`medlead.byo` keeps the older names.

Book furniture
- :mod:`medlead.timeline`: the authored timeline of medical leadership in the NHS.
- :mod:`medlead.diagrams`: Mintzberg's five parts, drawn in code.
- :mod:`medlead.style`: the book's plotting style (colour-blind-safe palette, figure defaults).
- :mod:`medlead.figures`: what a figure shows, as text, so the notebook tests compare figures by
  their data rather than their pixels.
"""

__version__ = "0.1.0"
