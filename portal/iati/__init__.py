"""IATI 2.03: the programmes as IATI activities out (export), IATI activity files in (imports)."""
