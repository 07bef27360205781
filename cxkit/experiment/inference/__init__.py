"""Inference for two-arm comparisons on sufficient statistics.

* :mod:`~cxkit.experiment.inference.twosample` — the batched comparison of two arms
  (:func:`compare`): Newcombe / Welch / trinomial / delta method for independent units, CR2 with
  Bell–McCaffrey df (:func:`cr2`) or CR1 for clusters; the ANOVA ICC.
* :mod:`~cxkit.experiment.inference.resampling` — randomisation inference over the cluster
  assignment and the restricted wild cluster bootstrap, on per-cluster totals.
* :mod:`~cxkit.experiment.inference.decide` — which method decides a clustered comparison
  (``inference=``), and the few-cluster warnings.
"""

from cxkit.experiment.inference.decide import INFERENCE, RI_BELOW, decide_clustered
from cxkit.experiment.inference.resampling import assignments, randomization_test, wild_bootstrap
from cxkit.experiment.inference.twosample import compare, cr2, icc_anova

__all__ = [
    "INFERENCE",
    "RI_BELOW",
    "assignments",
    "compare",
    "cr2",
    "decide_clustered",
    "icc_anova",
    "randomization_test",
    "wild_bootstrap",
]
