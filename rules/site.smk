"""The site's data: PV output, EV sessions, mall load and the battery sized from them."""


rule solar:
    input:
        **optional_file("weather", config["solar"]["weather"]["file"]),
        code=code("site/solar", "site/tables", "site/model"),
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
        site=config["site"],
        solar=config["solar"],
    script:
        "../workflow/scripts/solar.py"


rule ev_sessions:
    input:
        code=code("site/ev", "site/model"),
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
        site=config["site"],
        ev=config["ev"],
    script:
        "../workflow/scripts/ev_sessions.py"


rule mall_load:
    input:
        **optional_file("table", config["mall_load"]["file"]),
        code=code("site/load", "site/tables", "site/model"),
    output:
        load="resources/mall_load.csv",
    log:
        "logs/mall_load.log",
    benchmark:
        "benchmarks/mall_load.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=500,
    params:
        site=config["site"],
        mall_load=config["mall_load"],
    script:
        "../workflow/scripts/mall_load.py"


rule bess_sizing:
    input:
        solar="resources/solar.csv",
        load="resources/mall_load.csv",
        sessions="resources/ev_sessions.csv",
        code=code("site/bess", "site/profiles", "site/ev", "site/model"),
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
        site=config["site"],
        bess=config["bess"],
    script:
        "../workflow/scripts/bess_sizing.py"


rule site_figure:
    input:
        solar="resources/solar.csv",
        load="resources/mall_load.csv",
        sessions="resources/ev_sessions.csv",
        bess="resources/bess.json",
        code=code("site/figure", "site/profiles", "site/ev", "site/model"),
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
        site=config["site"],
    script:
        "../workflow/scripts/site_figure.py"
