"""Accounts: registration, login, logout, password reset and change, access guards."""
