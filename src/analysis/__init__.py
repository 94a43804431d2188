"""Progress assessment for work-safety plans (安全生产规划进度评估)."""

import sys

__version__ = "0.1.0"

# jsonschema (which nbformat validates notebooks with) imports rfc3987_syntax when it is installed
# (jupyter-events asks for it), and that module compiles an Earley grammar at import: 1.0 s in
# every process that renders or converts a report — the batch's client and each Dask worker. Only
# jsonschema's "iri" format checks use it, and no notebook schema has that format; marking the
# module absent (unless something imported it already) makes jsonschema skip that one checker.
sys.modules.setdefault("rfc3987_syntax", None)
