"""The policy engine: five city rule modules behind one interface.

Public interface (other apps call only these):
- registry.get_policy(code) -> CityPolicy; registry.all_policies()
- engine: check_eligibility, next_stage, path, score_rubric, expense_finding,
  validate_params, parse_scenario, simulate
- selectors: policy_version_for, params_for, check_eligibility(station=...),
  eligibility_facts, activity_summary, quantitative_assessment, notice_end,
  notice_end_for, can_manage_city_policy, get_city_for_policy_admin
- services: policy_version_create, policy_version_ensure_initial, decision_record,
  funding_decide, statutory_day_save
"""
