"""Planning new facilities: coverage against the standards (coverage.py), siting with MCLP / LSCP (siting.py,
siting_report.py), saved scenarios (scenarios.py) and long runs as jobs in their own processes (jobs/)."""
