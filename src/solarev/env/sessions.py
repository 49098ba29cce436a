"""EV sessions as seen by one episode (a window of steps [start, end) of the site).

A session cut by an episode boundary follows one convention everywhere (CityLearn charger files, reward,
LP, KPIs): at a boundary the EV holds the energy it would have with charging at full power since arrival
("as soon as possible"). An episode therefore owes the energy that full-power charging would put in during
its own part of the session, which is always deliverable, and consecutive episodes chain exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solarev.site.model import Site

# CityLearn stores SOC in float32: a fully charged EV can lack up to a few 1e-7 of its capacity.
SHORTFALL_TOLERANCE_KWH = 1e-4


@dataclass(frozen=True)
class EpisodeSessions:
    """Sessions overlapping an episode; steps are relative to the episode start."""

    session_id: np.ndarray
    socket: np.ndarray
    first: np.ndarray  # first plugged-in step
    last: np.ndarray  # last plugged-in step (inclusive): the need is due at its end
    need_kwh: np.ndarray  # energy into the EV battery owed within the episode
    n_steps: int

    def __len__(self) -> int:
        return len(self.session_id)


def asap_energy(
    arrival: np.ndarray, energy_kwh: np.ndarray, step_kwh: np.ndarray, step: np.ndarray
) -> np.ndarray:
    """Energy a session holds at the start of `step` when charged at full power (`step_kwh`) since arrival."""
    return np.clip((step - arrival) * step_kwh, 0.0, energy_kwh)


def episode_sessions(site: Site, start: int, end: int) -> EpisodeSessions:
    sessions = site.sessions
    inside = (sessions.start < end) & (sessions.end > start)
    arrival, energy = sessions.start[inside], sessions.energy_kwh[inside]
    rate = site.socket_step_kwh[sessions.socket[inside]]
    first = np.maximum(arrival, start)
    due = np.minimum(sessions.end[inside], end)
    return EpisodeSessions(
        session_id=sessions.session_id[inside],
        socket=sessions.socket[inside],
        first=first - start,
        last=due - start - 1,
        need_kwh=asap_energy(arrival, energy, rate, due) - asap_energy(arrival, energy, rate, first),
        n_steps=end - start,
    )


def concatenated(parts: Sequence[EpisodeSessions], offsets: Sequence[int], n_steps: int) -> EpisodeSessions:
    """The sessions of `parts` as one list of `n_steps` steps, each part's steps shifted by its offset."""
    pairs = list(zip(parts, offsets, strict=True))
    return EpisodeSessions(
        session_id=np.concatenate([part.session_id for part in parts]),
        socket=np.concatenate([part.socket for part in parts]),
        first=np.concatenate([part.first + offset for part, offset in pairs]),
        last=np.concatenate([part.last + offset for part, offset in pairs]),
        need_kwh=np.concatenate([part.need_kwh for part in parts]),
        n_steps=n_steps,
    )


def session_steps(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(session index, step) of every step from `first` to `last` (inclusive) of every session, flattened."""
    lengths = last - first + 1
    index = np.repeat(np.arange(len(first)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return index, first[index] + offsets


def shortfall(missing_kwh: np.ndarray) -> np.ndarray:
    """Energy still missing when due, with float32 rounding counted as delivered."""
    return np.where(missing_kwh > SHORTFALL_TOLERANCE_KWH, missing_kwh, 0.0)


def session_shortfall(sessions: EpisodeSessions, delivered: np.ndarray) -> np.ndarray:
    """kWh each session lacks at its due step, given `delivered` (steps × sockets kWh into the EVs)."""
    index, steps = session_steps(sessions.first, sessions.last)
    received = np.bincount(index, weights=delivered[steps, sessions.socket[index]], minlength=len(sessions))
    return shortfall(sessions.need_kwh - received)
