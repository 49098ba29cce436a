"""Rule ev_sessions: seeded charging sessions on every socket."""

import solarev.logs
from solarev.site.ev import charging_sessions

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
sockets, sessions = charging_sessions(smk.params.ev, smk.params.site)
log.info(
    "%d sockets on %d chargers; %d sessions (%.1f per day), %.0f kWh per day; %.1f%% queued for a socket",
    len(sockets),
    sockets["charger"].nunique(),
    len(sessions),
    len(sessions) / smk.params.site["days"],
    sessions["energy_kwh"].sum() / smk.params.site["days"],
    100 * (sessions["queued_steps"] > 0).mean(),
)
sockets.to_csv(smk.output.sockets, index=False)
sessions.to_csv(smk.output.sessions, index=False)
