"""All that `venvy -w` imports at run time."""
