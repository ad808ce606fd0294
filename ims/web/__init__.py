"""Generic views, API base classes and the table/filter kit.

They apply ``restrict()`` once, so app views only declare.
"""
