"""Statutory timescales: the working-day calendar and the clocks on the child protection pathway.

Pure Python: no Django, no database, and no reading of the clock (``today`` is always passed in).
"""
