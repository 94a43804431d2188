"""Progress assessment for work-safety plans (安全生产规划进度评估)."""

__version__ = "0.1.0"
