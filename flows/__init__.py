"""Thin Prefect flows over the hoi_nlp library: ingest, code, export and run (all three).

Importing this package switches Prefect's telemetry off before Prefect itself is imported
(see :func:`flows.environment.switch_off_telemetry`): nothing leaves the machine.
"""

from flows.environment import switch_off_telemetry

switch_off_telemetry()
