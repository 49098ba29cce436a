"""solarev: PV + battery + EV charger sites, CityLearn, LP optimum and RL agents."""

__version__ = "0.1.0"
