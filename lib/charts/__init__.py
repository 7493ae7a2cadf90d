"""Charts that win the room: pure functions from the engine's evaluation (and the daily data) to Altair.

Pages only place them (``st.altair_chart(chart, theme="streamlit")``); no query
or statistic is computed inside a chart function. The data they draw comes
from :mod:`lib.charts.data`; colours from :mod:`lib.charts.palette`. A chart
with nothing to draw yet returns a teaching caption, never raises.
"""

from lib.charts.before_after import before_after_chart
from lib.charts.criteria import criteria_chart, goal_chart
from lib.charts.data import ChartTimeline, ProgressData, goal_rows, progress, timeline
from lib.charts.main import main_chart
from lib.charts.over_time import ab_over_time_chart, target_over_time_chart
from lib.charts.sample_size import progress_chart

__all__ = [
    "ChartTimeline",
    "ProgressData",
    "ab_over_time_chart",
    "before_after_chart",
    "criteria_chart",
    "goal_chart",
    "goal_rows",
    "main_chart",
    "progress",
    "progress_chart",
    "target_over_time_chart",
    "timeline",
]
