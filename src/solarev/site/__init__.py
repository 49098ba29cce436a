"""The site's data: PV output (pvlib), EV charging sessions, building load and the battery sizing."""
