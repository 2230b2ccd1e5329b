"""The policy engine: the city rule modules behind one interface.

Other apps import only `policies.api` (the city's policy and parameters in force, workflow
moves, eligibility, amounts, rubrics, funding schedules, decisions, notice end dates). Inside
this app: `registry` finds the city modules, `engine` holds the pure functions over their
declarations, `selectors`/`services` read and write stored versions, decisions and the
holiday calendar.
"""
