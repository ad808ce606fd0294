"""Generic views, API base classes and the table/filter kit: they apply ``restrict()`` once, so app views only declare."""
