"""Closed-form (sympy) side: exact and symbolic feature formulas."""
