"""What `venvy -w` runs: the wizard, the agent and everything it needs at run time.

Nothing here imports venvy.nl.pipeline or venvy.nl.eval, nor torch, transformers or
peft (tests/nl/test_layout.py checks it); llama_cpp is imported only when a model loads.
"""
