"""The warehouse's vocabulary and tolerances, shared by the ETL that writes it and the dashboard that reads it."""

from __future__ import annotations

from decimal import Decimal

STATUSES = ("funded", "laureate", "eligible", "example", "experimentation", "initiative", "supported")
GRANT_KINDS = ("granted", "requested")
SEVERITIES = ("error", "warning", "info")
# projects.issue_mask: the bit of each severity of the issues a project has (a filter leaves out the projects with
# issues of chosen severities: ``issue_mask & bits = 0``)
SEVERITY_BITS = {"info": 1, "warning": 2, "error": 4}
# extraction: the ETL could not read what a document holds; import: a table's row rejected or read with a warning;
# source: the source itself is inconsistent or incomplete
CATEGORIES = ("extraction", "import", "source")
SCOPES = ("local", "multi-region", "national")
LEVELS = ("commune", "epci", "pays", "departement", "region", "collectivite_statut_particulier")
ENVELOPE_STATUSES = ("laureate", "funded")  # the statuses whose grants count against a call's envelope

RATE_TOLERANCE = Decimal("0.005")     # stated FSE rate against amount ÷ budget: half a percentage point
ENVELOPE_TOLERANCE = Decimal("0.001")  # grants against the announced envelope: 0.1 %

DETAIL_ROWS = 20_000   # an imported table up to this size also keeps its text and per-field sources
BUDGET_BANDS = 2400    # fine log10 budget bands of the read side: 24 chart bins of 100 bands, quartiles within 0.6 %
MAX_CELL = 5_000                 # characters in one cell of an imported table
MAX_AMOUNT = 10_000_000_000      # 10 G€: above this an amount is a typing error
