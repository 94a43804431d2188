"""All errors the product raises on purpose share one base class, so the CLI can print them cleanly."""


class AnalysisError(Exception):
    """Base class: a problem the user can fix, with a message that says where and what."""


class CatalogError(AnalysisError):
    """A plan catalog (params/plans/*.yaml) is malformed; the message names file and field."""


class LedgerError(AnalysisError):
    """A ledger file cannot be read or breaks a rule; the message names file, row, column, rule."""


class WarehouseError(AnalysisError):
    """The warehouse is missing, locked or lacks data a report needs."""


class PeriodError(AnalysisError):
    """A period string such as 2025Q3 cannot be parsed."""


class ReportError(AnalysisError):
    """A notebook failed to execute or export."""
