"""Warm Jupyter kernels: one per renderer (a batch's Dask worker), kept alive between notebooks,
wiped before each.

Kernels talk over Unix sockets (IPC) in a private temporary folder: no TCP port is opened (and
ipykernel's warning about unencrypted TCP never reaches the planner's terminal).

Before each notebook the kernel's namespace is wiped (`InteractiveShell.reset`, execution counter
back to 1, matplotlib figures closed, warning registries cleared, working folder restored), so no
variable leaks from one report into the next; imported modules stay imported — that is the
speed-up (pandas, matplotlib and the analysis package load once per kernel instead of once per
report). A kernel that died, hangs or fails the reset is shut down and replaced by a new one; it
never takes later reports with it. `engines.WarmEngine` runs papermill notebooks in these
kernels. This module imports only jupyter_client, so a Dask worker can start its kernel
(`warm_up`) before it has loaded papermill and nbconvert.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import logging
import os
import signal
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

KERNEL = "python3"
"""Kernel spec the report notebooks run in."""

RESET_TIMEOUT = 30
"""Seconds a warm kernel has to answer the namespace reset before it is replaced."""

logger = logging.getLogger(__name__)


class IPCKernelManager(AsyncKernelManager):
    """AsyncKernelManager on IPC transport with a unique socket path per kernel.

    jupyter_client interrupts a kernel before asking it to shut down; an idle report kernel has
    nothing to interrupt and logs "KeyboardInterrupt caught in kernel" on every run. The shutdown
    request alone ends it (and a kernel that does not answer is still killed)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"analysis-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


# Runs in the kernel, silently (no history, no execution count). A single expression whose names
# live in a lambda, not in the user namespace it wipes: close matplotlib figures; clear the user
# namespace and output cache (IPython's reset, which also collects garbage; new_session restarts
# the shell's counter at 1); restart the kernel's own counter (the one nbclient copies into
# cells); invalidate every module's warning registry (entering and leaving catch_warnings does
# that, so a warning shows in each report as in a fresh kernel); return to the working folder;
# freeze what survives (imported modules and their caches) out of the garbage collector's sight,
# so the next reset's collection walks only what one report allocated (0.2 s -> 0.01 s).
_RESET = """\
(lambda sys, ip, w, gc: (
    sys.modules["matplotlib.pyplot"].close("all") if "matplotlib.pyplot" in sys.modules else None,
    ip.reset(new_session=True, aggressive=False),
    setattr(ip.kernel, "execution_count", 0),
    w.__enter__(), w.__exit__(None, None, None),
    __import__("os").chdir({cwd!r}),
    gc.freeze(),
    None)[-1])(__import__("sys"), get_ipython(), __import__("warnings").catch_warnings(), __import__("gc"))
"""


class WarmKernel:
    """One live kernel and its client, driven only from its slot's kernel thread (`in_kernel_thread`):
    that thread's asyncio loop owns the kernel's sockets."""

    def __init__(self, kernel_name: str, cwd: str, startup_timeout: float = 60):
        self.kernel_name = kernel_name
        self.km = IPCKernelManager(kernel_name=kernel_name)
        self.kc = None
        self.runs = 0
        run_sync(self._start)(cwd, startup_timeout)

    async def _start(self, cwd: str, startup_timeout: float) -> None:
        # no input history: nobody reads it, and kernels side by side would contend for its SQLite file
        await self.km.start_kernel(cwd=cwd, extra_arguments=["--HistoryManager.enabled=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            await self.kc.wait_for_ready(timeout=startup_timeout)
        except RuntimeError:
            self.kill()
            raise

    @property
    def pid(self) -> int | None:
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(proc, "pid", None)

    def alive(self) -> bool:
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001 - a manager that cannot even answer is not alive
            return False

    def reset(self, cwd: str, timeout: float = RESET_TIMEOUT) -> bool:
        """Wipe the namespace; False if the kernel is dead or does not answer properly."""
        if not self.alive():
            return False

        async def _reset() -> dict:
            return await self.kc.execute(_RESET.format(cwd=cwd), silent=True, store_history=False,
                                         allow_stdin=False, reply=True, timeout=timeout)
        try:
            reply = run_sync(_reset)()
        except Exception:  # noqa: BLE001 - timeout, closed socket, …: replace the kernel
            return False
        return reply.get("content", {}).get("status") == "ok"

    def kill(self) -> None:
        """Stop the kernel process and remove its connection and socket files."""
        pid = self.pid
        with contextlib.suppress(Exception):
            if self.kc is not None:
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        if pid and _pid_alive(pid):  # the manager could not do it (e.g. its loop is gone)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            _pid_alive(pid)
        with contextlib.suppress(Exception):
            self.km.cleanup_connection_file()
            self.km.cleanup_ipc_files()


def _pid_alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # reap our own child if it already exited
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


# Process-local state: one slot per renderer (a Dask worker; "main" outside a batch), each with its
# kernel thread and its kernels by kernel name. Slots let several workers of one process (a
# LocalCluster of threads) each keep a kernel of their own.
SLOT: contextvars.ContextVar[str] = contextvars.ContextVar("warm_kernel_slot", default="main")
"""The renderer the calling code works for; a batch sets it to its Dask worker's name (`slot`)."""


class _Slot:
    def __init__(self, name: str):
        self.kernels: dict[str, WarmKernel] = {}
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"warm-kernel-{name}")


_slots: dict[str, _Slot] = {}
_lock = threading.Lock()


def _slot() -> _Slot:
    name = SLOT.get()
    with _lock:
        if name not in _slots:
            _slots[name] = _Slot(name)
        return _slots[name]


@contextlib.contextmanager
def slot(name: str):
    """Work for the renderer `name` inside the block: its own warm kernel and kernel thread."""
    token = SLOT.set(name)
    try:
        yield
    finally:
        SLOT.reset(token)


def in_kernel_thread(fn, *args, **kwargs):
    """Run fn on the slot's kernel thread and wait. One long-lived thread per slot (not the
    caller's, which may change from call to call, e.g. Dask runs each task in a fresh context)
    keeps one asyncio loop, so the kernel's sockets stay usable across notebooks; calls queue up,
    so a slot never runs two notebooks in one kernel at once. fn sees the caller's slot."""
    return _slot().thread.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()


def warm_up(kernel_name: str, cwd: str, code: str, startup_timeout: float = 60) -> None:
    """Start the slot's warm kernel and run `code` in it (the report modules' imports), in
    the background: returns at once, and the first notebook queues behind it on the kernel
    thread. A batch calls this on every worker as soon as the cluster is up, so kernels start
    while the client is still preparing the plans. A failure here is only logged: the first
    notebook starts (or replaces) the kernel itself."""
    def _run() -> None:
        try:
            kernel = ready_kernel(kernel_name, cwd, startup_timeout)

            async def _execute() -> dict:
                return await kernel.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                               reply=True, timeout=startup_timeout)
            content = run_sync(_execute)().get("content", {})
            if content.get("status") != "ok":
                logger.warning("warm-up code failed in the kernel: %s: %s", content.get("ename"), content.get("evalue"))
        except Exception as e:  # noqa: BLE001 - an optimisation only
            logger.warning("warm kernel could not be prepared in advance: %s", e)

    _slot().thread.submit(contextvars.copy_context().run, _run)


def ready_kernel(kernel_name: str, cwd: str, startup_timeout: float) -> WarmKernel:
    """The slot's warm kernel, reset for the next notebook, or a new one; only on the kernel thread."""
    kernels = _slot().kernels
    kernel = kernels.get(kernel_name)
    if kernel is not None and not kernel.reset(cwd):
        logger.warning("warm kernel (pid %s) dead or unresponsive after %d notebooks: replaced",
                       kernel.pid, kernel.runs)
        retire(kernel_name)
        kernel = None
    if kernel is None:
        kernel = kernels[kernel_name] = WarmKernel(kernel_name, cwd, startup_timeout)
    return kernel


def retire(kernel_name: str) -> None:
    """Kill the slot's kernel of that name and forget it (it died, hung or was interrupted); the
    next notebook starts a new one. Only on the kernel thread."""
    kernel = _slot().kernels.pop(kernel_name, None)
    if kernel is not None:
        kernel.kill()


def warm_kernel_pids() -> list[int]:
    """Process ids of this process's warm kernels, every slot's (memory accounting, tests)."""
    return [p for sl in list(_slots.values()) for p in (k.pid for k in list(sl.kernels.values())) if p]


def _shutdown(sl: _Slot) -> int:
    kernels = list(sl.kernels.values())
    sl.kernels.clear()
    for k in kernels:
        k.kill()
    return len(kernels)


def shutdown_warm_kernels(timeout: float = 30) -> int:
    """Stop every warm kernel of this process, in every slot; the number stopped. A batch runs this
    on each Dask worker at its end (`client.run`), so no kernel outlives the batch with stale code
    loaded. If a kernel thread is stuck (a notebook that never ends), its kernels are killed from here."""
    stopped = 0
    for sl in list(_slots.values()):
        try:
            stopped += sl.thread.submit(_shutdown, sl).result(timeout=timeout)
        except (FuturesTimeout, RuntimeError):  # stuck, or the interpreter is shutting down
            stopped += _shutdown(sl)
    return stopped


atexit.register(lambda: [_shutdown(sl) for sl in list(_slots.values())])
