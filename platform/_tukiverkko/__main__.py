"""`python -m tukiverkko ...` is the `tukiverkko` command."""

from tukiverkko.platform.cli import main

main()
