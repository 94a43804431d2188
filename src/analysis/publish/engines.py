"""papermill engines for the report notebooks.

* papermill's default nbclient engine (`publish()` uses it): a fresh kernel per report.
* `warm` (`WarmEngine`, registered in papermill's engine registry below): the notebook runs in
  the caller's warm kernel (`kernels`, one per renderer slot), reset before each notebook. It still runs through
  papermill as usual: parameters injected, cells executed by nbclient, errors raised as
  PapermillExecutionError.
"""

from __future__ import annotations

import os

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from analysis.publish.kernels import in_kernel_thread, ready_kernel, retire

WARM = "warm"
"""Name of the warm-kernel engine in papermill's registry (`engine_name=WARM`)."""


class WarmEngine(Engine):
    """papermill engine: execute in this process's warm kernel (see the module docstring)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, kernel_cwd: str | None = None, **kwargs):
        # the kernel's working folder: `kernel_cwd`, which leaves the process's own alone (renderers
        # in threads side by side must not chdir), else the one papermill chdir'd to (`cwd`)
        return in_kernel_thread(cls._execute, nb_man, kernel_name, kernel_cwd or os.getcwd(), **kwargs)

    @classmethod
    def _execute(cls, nb_man, kernel_name, cwd, log_output=False, stdout_file=None, stderr_file=None,
                 start_timeout=60, execution_timeout=None, **kwargs):
        kernel = ready_kernel(kernel_name, cwd, start_timeout)
        kwargs = remove_args(["input_path", "kernel_manager_class", "km"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout, kernel_name=kernel_name, log=logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file)
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final_kwargs)
        client.kc = kernel.kc  # reuse the open channels: setup_kernel neither starts nor stops them
        kernel.runs += 1
        try:
            return client.execute()
        except BaseException:
            # cell errors are recorded by papermill, not raised here: this is a dead kernel, a
            # timeout (the kernel was interrupted mid-cell) or an interrupt — never reuse it
            retire(kernel_name)
            raise


papermill_engines.register(WARM, WarmEngine)
