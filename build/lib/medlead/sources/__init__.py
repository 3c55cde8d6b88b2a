"""Loaders that turn each raw source file into a tidy, validated DataFrame.

One module per source family (see ``data/sources.yml``):

- :mod:`medlead.sources.asaria`: the Asaria, McGuire & Street trust panel (``asaria-panel``).
- :mod:`medlead.sources.cqc`: the ordered CQC rating scale, the official 2018 ratings file
  (``cqc-ratings-2018``) and "rating in force at a date".
- :mod:`medlead.sources.workforce`: NHS Digital staff numbers (``nhs-workforce-2017-2018``,
  ``nhs-medical-staff-2017``, ``nhs-non-medical-staff-2017``).
- :mod:`medlead.sources.staff_survey`: NHS Staff Survey files (``staff-survey-2019``,
  ``staff-survey-indices``, ``staff-survey-2021-2024``).
- :mod:`medlead.sources.ods`: the ODS list of NHS trusts (``ods-trusts``).

Every loader takes an optional ``path`` (a raw file to read instead of the fetched one, for tests
and for readers' own copies) and raises :class:`medlead.data.DataError` naming the file, what was
expected and how to fix it when a column is missing or a value breaks the schema.
"""
