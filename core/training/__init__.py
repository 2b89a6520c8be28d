"""Building a bundle: candidate models, grouped cross-validation, held-out evaluation and the manifest."""
