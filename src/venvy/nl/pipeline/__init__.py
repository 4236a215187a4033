"""What builds the model: templates and values -> dataset -> LoRA training -> GGUF export,
then calibration fitting. Never imported by `venvy -w` (venvy.nl.runtime)."""
