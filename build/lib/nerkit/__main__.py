"""`python -m nerkit`, which is how torchrun and accelerate start the command in each process."""

from nerkit.cli import main

main()
