"""How report notebooks are executed: papermill's nbclient engine with a kernel manager of our own.

Kernels talk over Unix sockets (IPC) in a private temporary folder: no TCP port is opened (and
ipykernel's warning about unencrypted TCP never reaches the planner's terminal)."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager


class IPCKernelManager(AsyncKernelManager):
    """AsyncKernelManager on IPC transport with a unique socket path per kernel."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"analysis-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)
