"""The site as a CityLearn environment and as a gymnasium environment for SB3.

sessions         EV sessions seen by one episode, with the boundary convention every consumer shares
schema           the CityLearn schema.json and CSVs of the site, and the check that CityLearn loads it whole
forecasts        the one forecast layer (env.forecasts): observation, window_level, rule_level, MPC; tiers
episodes         training windows and evaluation weeks
features         the observation: its features in order and the builders of its static part
gym_env          SiteEnv and SolarEvEnv (CityLearn, SB3-facing), make_env, the Policy type
fast             the numpy twin of SolarEvEnv, proven equal to it step by step (tests/test_env_fast.py)
socket_grouping  AgentActions, GroupedSockets: one charging action and observation per group of sockets
"""
