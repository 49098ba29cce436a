"""The site as a CityLearn environment and as a gymnasium environment for SB3.

site        the site stage's files read and checked once (Site)
sessions    EV sessions seen by one episode, with the boundary convention every consumer shares
schema      the CityLearn schema.json and CSVs of the site
episodes    training windows and evaluation weeks
gym_env     SolarEvEnv (SB3-facing) and make_env
socket_grouping  GroupedSockets: one charging action and observation per group of sockets
evaluation  run any policy through CityLearn on an env's windows: KPIs and time series
synthetic   a small seeded site in the site stage's format, for tests and benchmarks
"""
