"""Reinforcement-learning agents (stable-baselines3 on torch, or sbx on JAX) trained on any gymnasium
environment factory.

presets          config/agents.yaml: the algorithm names and backends, each job's entry, checked and resolved
                 into the algorithm's arguments; the GPUs a job reserves (no torch import)
devices          GPUs per job at DAG time (no torch import), device choice, one GPU per local job
training         RunSpec and train(make_env, spec, ...): seeded, vectorised, normalised, checkpointed and
                 resumable; training_device
policy           a run's deterministic policy on raw observations: load_policy(run_dir)
resume           what a checkpoint must share with a rerun: the inputs' digest and config sections
selection        which evaluated model a run keeps: best on the validation weeks, or the final one
checkpoints      the checkpoint store a crashed job resumes from (with the model selected so far)
callbacks        progress, periodic evaluation (learning curve, model selection) and checkpoint callbacks
runtime          a job's CPU threads for torch and JAX (runs repeat on any core count), JAX's compile cache

Nothing is imported here, so that the Snakefile can import solarev.rl.devices and solarev.rl.presets without
loading torch.
"""
