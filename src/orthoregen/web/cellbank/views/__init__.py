"""The cell lab's pages, one module per room of its work: units (the lab's worklist, a unit
and its actions), donors, look-back (and what each patient received) and investigations.
"""
