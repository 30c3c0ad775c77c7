"""Every question the dashboard asks of the warehouse, answered in DuckDB with bound parameters.

Pages call these functions and display what they return: small aggregated frames, never the whole projects table.
One cached read-only connection (analytics.db), a cursor per query, answers cached per build and per question
(``from analytics import queries as Q``; ``Q.kpis(filters)``). The modules are by page: base (reference lists, key
figures), budgets, fse, geo (map and themes), projects, quality, orgs (organisations and sources).
"""

from analytics.db import WarehouseMissing, build_id, cached, connection, df, pin, warehouse_path  # noqa: F401
from analytics.db import df as _df  # noqa: F401  (tests and benchmarks ask questions of their own)
from analytics.queries.base import *  # noqa: F403
from analytics.queries.base import OTHERS, TOP_GROUPS, filtered, link  # noqa: F401
from analytics.queries.budgets import *  # noqa: F403
from analytics.queries.budgets import EXACT_QUANTILES, HISTOGRAM_BINS, SCATTER_MAX, SHARE_BINS, _band_quantile  # noqa: F401
from analytics.queries.fse import *  # noqa: F403
from analytics.queries.fse import FSE_FLAGGED_SHARE  # noqa: F401
from analytics.queries.geo import *  # noqa: F403
from analytics.queries.orgs import *  # noqa: F403
from analytics.queries.projects import *  # noqa: F403
from analytics.queries.projects import SORTABLE  # noqa: F401
from analytics.queries.quality import *  # noqa: F403
from common.contract import DETAIL_ROWS  # noqa: F401  (the pages say up to which size a table keeps its text)
