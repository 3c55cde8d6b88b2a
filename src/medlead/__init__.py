"""medlead: the analysis package behind the book *Are we nearly there yet?*

Every piece of logic the book's notebooks use lives here, in small modules with one concern each:

- :mod:`medlead.paths`: where the project's own files and the download cache are.
- :mod:`medlead.timeline`: the authored timeline of medical leadership in the NHS.
- :mod:`medlead.style`: the book's plotting style (colour-blind-safe palette, figure helpers).
- :mod:`medlead.data`: fetching pinned, checksummed public source files (with an offline mirror).
- :mod:`medlead.codebook`: the thematic codebook (``data/codebook.yml``), checked on load.
- :mod:`medlead.reliability`: agreement between codings (Cohen's kappa, Krippendorff's alpha).
- :mod:`medlead.refi`: REFI-QDA export and import (``.qdpx`` projects, ``.qdc`` codebooks).
- :mod:`medlead.byo`: your own transcripts (the book's plain-text format, or a ``.qdpx``) as turns.
- :mod:`medlead.sampling`: a purposive, maximum-variation sample of trusts from the trust panel.
- :mod:`medlead.profiles`: profile cards and a placing figure for sampled trusts.
"""

__version__ = "0.1.0"
