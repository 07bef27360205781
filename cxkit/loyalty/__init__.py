"""Loyalty economics (placeholder while building)."""
from cxkit.loyalty.hazards import hazard_ratios
from cxkit.loyalty.survival import logrank, retention, retention_summary
