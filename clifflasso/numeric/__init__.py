"""Numeric side: batched kernels, Lasso solvers and network rebuild."""
