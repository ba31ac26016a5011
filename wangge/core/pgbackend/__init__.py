"""PostgreSQL as Django has it, with a health check that asks the server nothing (base.py)."""
