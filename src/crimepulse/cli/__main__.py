"""`python -m crimepulse.cli`: the same as the `crimepulse` script."""

from crimepulse.cli.main import main

main()
