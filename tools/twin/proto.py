"""The tfplugin6 protocol messages, from the stubs that PyPI `pyvider` (0.8.x) ships.

pyvider's own package __init__ pulls in its whole framework (slow to import, and not needed
here), so the generated module `pyvider/protocols/tfprotov6/protobuf/tfplugin6_pb2.py` is
loaded straight from its file: it needs only google.protobuf. Its protocol (6.10) is newer
than terraform 1.11.4's (6.9): fields terraform does not know are simply never sent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_REL = Path("protocols", "tfprotov6", "protobuf", "tfplugin6_pb2.py")


def _load() -> ModuleType:
    if "tfplugin6_pb2" in sys.modules:
        return sys.modules["tfplugin6_pb2"]
    spec = importlib.util.find_spec("pyvider")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "terraform-provider twin: the Python package 'pyvider' (tfplugin6 stubs) "
            "is not installed: run `make setup`"
        )
    for loc in spec.submodule_search_locations:
        path = Path(loc) / _REL
        if path.is_file():
            mspec = importlib.util.spec_from_file_location("tfplugin6_pb2", path)
            assert mspec is not None and mspec.loader is not None
            mod = importlib.util.module_from_spec(mspec)
            sys.modules["tfplugin6_pb2"] = mod
            mspec.loader.exec_module(mod)
            return mod
    raise SystemExit(f"terraform-provider twin: no {_REL} in the installed pyvider")


pb = _load()
