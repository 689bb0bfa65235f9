"""Training the coders: labelled data, cross-validation, model files."""
