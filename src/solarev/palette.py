"""Colours of the site's energy flows, the same on every figure (site overview and report pages)."""

PV = "#e6ab02"
BUILDING_LOAD = "#1f78b4"
EV_CHARGING = "#7570b3"
BATTERY = "#1b9e77"
GRID_IMPORT = "#d95f02"
