"""The CityLearn site built from the site stage's outputs."""

from solarev.env.objective import OBJECTIVE_KEYS
from solarev.site.grid import GRID_KEYS, grid_files
from solarev.site.model import BESS_MODEL_KEYS, SITE_FILES, SITE_MODEL_KEYS

# The site stage's files, by the names solarev.site.model.load_site reads them under, and the grid signal
# files the config names (load_site reads them from the `grid` keys; as inputs, an edit reruns their readers).
SITE_INPUTS = {
    **{name: f"resources/{file}" for name, file in SITE_FILES.items()},
    **grid_files(config["grid"]),
}


rule citylearn_schema:
    input:
        **SITE_INPUTS,
        code=code("citylearn_schema.py"),
    output:
        schema="resources/citylearn/schema.json",
    log:
        "logs/citylearn_schema.log",
    benchmark:
        "benchmarks/citylearn_schema.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        random_seed=config["env"]["random_seed"],
    script:
        "../workflow/scripts/citylearn_schema.py"
