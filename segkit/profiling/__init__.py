"""Step 6, profiling: describe each segment so it can be recognised and reached.

What a practitioner puts in front of a client after a segmentation: how big and
how valuable each segment is (:func:`segment_sizes`, :func:`whale_curve`), how
it differs on the variables that formed it (:func:`profile`,
:func:`separation_plot`), who its customers are (:func:`personas`,
:func:`descriptor_tests`, :func:`segment_logit`), how front-line staff can
recognise a new customer's segment (:func:`identification_rule`), whom to call
first (:func:`likelihood_to_buy`) and which segments to target
(:func:`target_matrix`).

Every function takes tidy frames keyed by ``customer_id`` and returns either a
tidy frame or a small result object with ``.table``, ``.summary()`` and
``.plot(ax=None)``. Colours come from :func:`segkit.palette.segment_palette`.

The code lives in one module per question:

========================  ===================================================
``sizes``                 :func:`segment_sizes`, :func:`whale_curve`
``profiles``              :func:`profile`, :func:`separation_plot`
``descriptors``           :func:`personas`, :func:`descriptor_tests`
``logit``                 :func:`segment_logit`
``identification``        :func:`identification_rule`
``likelihood``            :func:`likelihood_to_buy`
``targets``               :func:`target_matrix`
========================  ===================================================

The checks of the assignments table are in :mod:`segkit.assignments`, the
figure and number helpers in :mod:`segkit.figures` and the Holm correction in
:mod:`segkit.multitest`; validation and iteration use them too.
"""

from segkit.profiling.descriptors import PersonaResult, descriptor_tests, personas
from segkit.profiling.identification import IdentificationRule, identification_rule
from segkit.profiling.likelihood import LikelihoodToBuy, likelihood_to_buy
from segkit.profiling.logit import LogitResult, segment_logit
from segkit.profiling.profiles import DISTINCTIVE_STD_DIFF as DISTINCTIVE_STD_DIFF
from segkit.profiling.profiles import ProfileResult, profile, separation_plot
from segkit.profiling.sizes import WhaleCurve, segment_sizes, whale_curve
from segkit.profiling.targets import CRITERION_COLUMNS as CRITERION_COLUMNS
from segkit.profiling.targets import TargetMatrix, target_matrix

__all__ = [
    "IdentificationRule",
    "LikelihoodToBuy",
    "LogitResult",
    "PersonaResult",
    "ProfileResult",
    "TargetMatrix",
    "WhaleCurve",
    "descriptor_tests",
    "identification_rule",
    "likelihood_to_buy",
    "personas",
    "profile",
    "segment_logit",
    "segment_sizes",
    "separation_plot",
    "target_matrix",
    "whale_curve",
]
