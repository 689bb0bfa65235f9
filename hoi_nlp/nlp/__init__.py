"""Danish NLP: the spaCy pipeline, lemma features and (in later modules) embeddings and NER."""
