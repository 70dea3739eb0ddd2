"""Stepwise problem families: one module per family (see solver.registry for what a module declares)."""
