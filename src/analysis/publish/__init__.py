"""Publishing: papermill execution, exporters, warm kernels, batch."""
