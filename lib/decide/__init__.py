"""The decision engine: criteria + logged results -> scale, iterate, keep running or abort.

The documented analyst API::

    from lib.decide import evaluate_pilot
    from lib.specs import PilotSpec, CriterionSpec, Observation

Its defaults are exactly what the app does. Layout: :mod:`.logged` (what each
arm logged, per day), :mod:`.evidence` (frozen evidence per criterion),
:mod:`.progress` (how far through the plan), :mod:`.rules` (status and
recommendation, with the error-budget policy), :mod:`.wording` (every
sentence), :mod:`.engine` (the orchestration), :mod:`.verdicts` (what comes back).
"""

from lib.decide.engine import SRM_THRESHOLD, evaluate_pilot
from lib.decide.verdicts import METHOD_VERSION, STATUSES, CriterionVerdict, PilotEvaluation
from lib.vocabulary import RECOMMENDATIONS

__all__ = [
    "METHOD_VERSION",
    "RECOMMENDATIONS",
    "SRM_THRESHOLD",
    "STATUSES",
    "CriterionVerdict",
    "PilotEvaluation",
    "evaluate_pilot",
]
