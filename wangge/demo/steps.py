"""The demo county, loaded step by step. Each step is idempotent: running twice adds nothing.

Apps add their own step here (cases, people, community life) as a dotted path to a function
`load(*, stdout) -> None`.
"""

DEMO_STEPS: list[str] = [
    "wangge.demo.county.load_grids",
    "wangge.demo.county.load_departments",
    "wangge.demo.county.load_users",
    "wangge.workcal.demo.load",
    "wangge.people.demo.load",
    "wangge.cases.demo.load",
    "wangge.open311.demo.load",
    "wangge.community.demo.load",
    # Council days, notices and the emergency fund (uses the cases above).
    "wangge.council.demo.load",
    # Keep last: rolls up the case history loaded by the steps above.
    "wangge.stats.demo.load",
]
