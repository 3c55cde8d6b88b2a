"""Shared pytest set-up.

Notebook kernels started by nbval inherit this environment, so hash-seeded ordering is the same as
when the saved outputs were made.
"""

import os

os.environ.setdefault("PYTHONHASHSEED", "0")
