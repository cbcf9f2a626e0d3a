"""`python -m tfgen`: the same as the `tfgen` command."""

from .cli import main

main()
