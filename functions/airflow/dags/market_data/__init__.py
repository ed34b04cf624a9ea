"""What the market-data DAGs run: settings, runners, the sink wait, quality checks and the Snowflake load.

The DAG files beside this package only declare; every module here is imported inside a task, at
run time, so that parsing a DAG does no I/O and imports nothing heavy.
"""
