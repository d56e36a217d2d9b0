"""Errors of the solver layer."""


class SolverError(RuntimeError):
    """A solver failed or could not reach the accuracy asked of it."""
