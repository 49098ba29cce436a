"""Reinforcement-learning agents (stable-baselines3) trained on any gymnasium environment factory.

hyperparameters  config/agents.yaml: one preset of one algorithm, checked and resolved into SB3 arguments
devices          GPUs per job at DAG time (no torch import), device choice, one GPU per local job
training         train(...): seeded, vectorised, normalised, checkpointed and resumable; training_device
policy           a run's deterministic policy on raw observations: load_policy(run_dir)
checkpoints      the checkpoint store a crashed job resumes from
callbacks        progress, periodic evaluation (learning curve) and checkpoint callbacks

Nothing is imported here, so that the Snakefile can import solarev.rl.devices without loading torch.
"""
