"""The security audit log: the ground floor every app may write to (issue 15).

It imports no other app of phongtrao, so accounts, orgs, data, entry and emulation all write
it without importing each other.
"""
