"""venvy's natural-language mode: dataset, training, export, inference, evaluation."""
