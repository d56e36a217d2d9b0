"""Feature families: each enumerates its columns once for symbolic, numeric and rebuild views."""
