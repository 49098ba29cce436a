"""Reference controllers scored on the evaluation weeks: uncontrolled, rule_based, rule_tuned (thresholds
tuned on the training weeks), rule_level (the agents' window_level battery action held at -1 in the demand
windows), the MPC on forecasts (mpc) and on perfect forecasts (mpc_perfect), and the LP optimum.

CONTROLLERS is the one list of their names: the rules, the report and the tests read it from here (this
package's __init__ imports nothing, so that the rules can read it at DAG time without loading CityLearn).
"""

CONTROLLERS = ("uncontrolled", "rule_based", "rule_tuned", "rule_level", "mpc", "mpc_perfect", "optimum")
