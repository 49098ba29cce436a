"""The site's data: PV output (pvlib), EV charging sessions, mall load and the battery sizing."""
