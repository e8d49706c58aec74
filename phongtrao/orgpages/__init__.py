"""The organisation's pages on the web (/to-chuc/): units, structures, merges and splits.

They sit above both `orgs` (the structure and its services) and `accounts` (who may see or
change a unit), which depends on orgs; so the pages are their own package and the import
graph stays one-way. Their templates stay with orgs (`orgs/templates/orgs/`).
"""
