"""The site's data: PV output, EV sessions, building load and the battery sized from them."""

from solarev.site.model import PROFILE_FILES, SITE_LOCATION_KEYS, SITE_TIME_KEYS

# The profiles and EV files, by the names solarev.site.model.read_site_tables reads them under.
PROFILE_INPUTS = {name: f"resources/{file}" for name, file in PROFILE_FILES.items()}


rule solar:
    input:
        **optional_file("weather", config["solar"]["weather"]["file"]),
        code=code("solar.py"),
    output:
        solar="resources/solar.csv",
    log:
        "logs/solar.log",
    benchmark:
        "benchmarks/solar.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=1000,
    params:
        site=keys("site", *dict.fromkeys([*SITE_TIME_KEYS, *SITE_LOCATION_KEYS])),
        solar=config["solar"],
    script:
        "../workflow/scripts/solar.py"


rule ev_sessions:
    input:
        **optional_file("sessions", config["ev"]["sessions_file"]),
        code=code("ev_sessions.py"),
    output:
        sockets="resources/ev_sockets.csv",
        sessions="resources/ev_sessions.csv",
    log:
        "logs/ev_sessions.log",
    benchmark:
        "benchmarks/ev_sessions.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=1000,
    params:
        site=keys("site", *SITE_TIME_KEYS),
        ev=config["ev"],
    script:
        "../workflow/scripts/ev_sessions.py"


rule building_load:
    input:
        **optional_file("table", config["building_load"]["file"]),
        code=code("building_load.py"),
    output:
        load="resources/building_load.csv",
    log:
        "logs/building_load.log",
    benchmark:
        "benchmarks/building_load.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=500,
    params:
        site=keys("site", *SITE_TIME_KEYS),
        building_load=config["building_load"],
    script:
        "../workflow/scripts/building_load.py"


rule bess_sizing:
    input:
        **PROFILE_INPUTS,
        **sized_battery_inputs(),
        code=code("bess_sizing.py"),
    output:
        bess="resources/bess.json",
    log:
        "logs/bess_sizing.log",
    benchmark:
        "benchmarks/bess_sizing.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=1000,
    params:
        site=keys("site", *SITE_TIME_KEYS),
        # Not bess.initial_soc: where an episode starts changes the simulations, not the battery's size.
        bess=keys(
            "bess",
            "depth_of_discharge",
            "round_trip_efficiency",
            "design_factor",
            "rounding_kwh",
            "discharge_hours",
            "deficit_start_hour",
            "deficit_end_hour",
        ),
        # The mode, and the size of a fixed battery (the optimal one is an input).
        sizing=keys("bess", *sizing_mode_keys()),
    script:
        "../workflow/scripts/bess_sizing.py"


rule site_figure:
    input:
        **PROFILE_INPUTS,
        bess="resources/bess.json",
        code=code("site_figure.py"),
    output:
        figure=report(
            "results/figures/site.png",
            caption="../report/site.rst",
            category="Site",
        ),
    log:
        "logs/site_figure.log",
    benchmark:
        "benchmarks/site_figure.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=1000,
    params:
        site=keys("site", "name", *SITE_TIME_KEYS),
    script:
        "../workflow/scripts/site_figure.py"
