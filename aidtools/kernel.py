"""The ``python3`` kernel of the report and the dashboard is ipykernel run by this very interpreter.

Jupyter looks kernel specs up by name along its data path (``~/.local/share/jupyter`` among them), so
a ``python3`` spec left there by another installation could run the notebooks with a Python that has
another aidtools, or none. The report (nbclient, in :mod:`aidtools.outputs.html_report`) and Voilà (in
:mod:`aidtools.dashboard`) are given the managers below, which answer ``python3`` with ipykernel's own spec built from
``sys.executable``: the interpreter running aidtools, e.g. the venv a wheel was installed in.

>>> import sys
>>> ThisInterpreterKernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
True
"""
from __future__ import annotations

import subprocess

from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager
from jupyter_client.manager import KernelManager
from traitlets import default


class ThisInterpreterKernelSpecManager(KernelSpecManager):
    """Kernel specs as usual, except ``python3``: ipykernel on ``sys.executable``."""

    def get_kernel_spec(self, kernel_name: str):
        if kernel_name.lower() == NATIVE_KERNEL_NAME:
            from ipykernel.kernelspec import RESOURCES, get_kernel_dict

            return self.kernel_spec_class(resource_dir=RESOURCES, **get_kernel_dict())
        return super().get_kernel_spec(kernel_name)


class ThisInterpreterKernelManager(KernelManager):
    """A kernel manager that finds kernels with :class:`ThisInterpreterKernelSpecManager`."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return ThisInterpreterKernelSpecManager(data_dir=self.data_dir)


class QuietKernelManager(ThisInterpreterKernelManager):
    """The same kernel, with its own console output (ipykernel's start-up warnings, the interrupt it logs
    at shutdown) discarded: the report's kernel prints nothing on the user's terminal. What the cells
    print and raise still comes back through the notebook, where nbclient reports it."""

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_launch_kernel(kernel_cmd, **kw)
