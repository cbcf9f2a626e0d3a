"""`python -m tfgen`: the same as the `tfgen` command."""

from .launch import main

main()
