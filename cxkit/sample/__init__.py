"""Deterministic synthetic data with planted truth, for demos, tests and benchmarks.

============================  ==============================================================
``make_events``               touchpoint log (planted pain point: ``events.PAIN_POINT``)
``make_customers``            one row per customer: segment, churned, converted, nps, revenue
``make_survey``               survey with planted driver weights (``survey.DRIVER_WEIGHTS``)
``make_experiment``           service change randomised by agent (``experiment.PLANTED``)
``make_loyalty_customers``     lifetimes, NPS and spend with planted loyalty effects
                              (``loyalty.LOYALTY_PLANTED``)
``write_sample_data``         write all of them as Parquet plus a data dictionary
============================  ==============================================================
"""

from cxkit.sample.events import PAIN_POINT, make_customers, make_events
from cxkit.sample.experiment import make_experiment
from cxkit.sample.loyalty import LOYALTY_PLANTED, make_loyalty_customers
from cxkit.sample.survey import make_survey
from cxkit.sample.writer import SIZES, write_events, write_sample_data

__all__ = [
    "LOYALTY_PLANTED",
    "PAIN_POINT",
    "SIZES",
    "make_customers",
    "make_events",
    "make_experiment",
    "make_loyalty_customers",
    "make_survey",
    "write_events",
    "write_sample_data",
]
