"""Import and export of aggregate data in DHIS2's formats: dataValueSets and ADX."""
