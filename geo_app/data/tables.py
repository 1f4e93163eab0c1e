"""The store tables the pipeline writes besides the layers: where each layer came from, and the report's figures."""

SOURCES_TABLE = "layer_sources"
REPORT_TABLE = "report_indicators"
