"""The site as a CityLearn environment and as a gymnasium environment for SB3.

sessions         EV sessions seen by one episode, with the boundary convention every consumer shares
schema           the CityLearn schema.json and CSVs of the site, and the check that CityLearn loads it whole
forecasts        the one forecast layer (env.forecasts): observation, window_level, rule_level, MPC; tiers
episodes         training windows and evaluation weeks or billing months
objective        the one definition of the objective, the ledger and the EV-delivery rule
connection       the action layer's cut to the connection's import and export limits
features         the observation: its features in order and the builders of its static part
gym_env          SiteEnv (what every simulator shares, SB3-facing) and the Policy type
construct        an env's windows and options from the config's `episodes` and `env` sections
citylearn_env    SolarEvEnv (CityLearn, the environment of record) and make_env
fast             the numpy twin of SolarEvEnv, proven equal to it step by step (tests/test_env_fast.py)
socket_grouping  AgentActions, GroupedSockets: one charging action and observation per group of sockets
"""
