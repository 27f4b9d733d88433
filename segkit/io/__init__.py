"""Loading, validation (pandera), fixes by documented rule, joins and inventory of a study's data.

Row numbers in every message and report are spreadsheet row numbers: the header
is row 1 and the first data row is row 2. Input files are only ever read.
"""

from segkit.io.join import join_losses, link_tables
from segkit.io.quality import QUALITY_RULES, QualityReport
from segkit.io.readers import decode_bytes, parse_dates, read_table
from segkit.io.returns import cap_outliers, is_return, net_returns
from segkit.io.schemas import apply_content_rules, check_structure, content_schema, structure_schema
from segkit.io.study import StudyData, build_inventory, load_study_data

__all__ = [
    "QUALITY_RULES",
    "QualityReport",
    "StudyData",
    "apply_content_rules",
    "build_inventory",
    "cap_outliers",
    "check_structure",
    "content_schema",
    "decode_bytes",
    "is_return",
    "join_losses",
    "link_tables",
    "load_study_data",
    "net_returns",
    "parse_dates",
    "read_table",
    "structure_schema",
]
