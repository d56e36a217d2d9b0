"""Theorems as executable checks and optimality certificates."""
