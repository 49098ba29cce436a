"""The CityLearn site built from the site stage's outputs."""

from solarev.site.model import SITE_FILES

# The site stage's files, by the names solarev.site.model.load_site reads them under.
SITE_INPUTS = {name: f"resources/{file}" for name, file in SITE_FILES.items()}


rule citylearn_schema:
    input:
        **SITE_INPUTS,
        code=code("site/model", "env/sessions", "env/schema"),
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
        site=config["site"],
        bess=config["bess"],
        random_seed=config["env"]["random_seed"],
    script:
        "../workflow/scripts/citylearn_schema.py"
