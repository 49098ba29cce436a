"""Rule ev_sessions: charging sessions on every socket, seeded or from the user's charging log."""

import pandas as pd

import solarev.logs
from solarev.site.ev import charging_sessions

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
log_path = smk.input.get("sessions")
charging_log = pd.read_csv(log_path) if log_path else None
sockets, sessions, turned_away = charging_sessions(smk.params.ev, smk.params.site, charging_log)
days = smk.params.site["days"]
log.info(
    "%d sockets on %d chargers; %d sessions (%.1f per day) from %s, %.0f kWh per day; %.1f%% queued for a "
    "socket; %d arrivals (%.1f%%) turned away: %s",
    len(sockets),
    sockets["charger"].nunique(),
    len(sessions),
    len(sessions) / days,
    log_path or "the generator",
    sessions["energy_kwh"].sum() / days,
    100 * (sessions["queued_steps"] > 0).mean(),
    len(turned_away),
    100 * len(turned_away) / max(1, len(turned_away) + len(sessions)),
    turned_away.groupby(["vehicle_class", "reason"]).size().to_dict(),
)
if charging_log is not None:
    log.info("%d logged sessions lie outside the simulated period", len(charging_log) - len(sessions))
sockets.to_csv(smk.output.sockets, index=False)
sessions.to_csv(smk.output.sessions, index=False)
