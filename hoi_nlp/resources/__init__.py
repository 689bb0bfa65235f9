"""Gazetteer word lists (municipalities, regions, names, national bodies) for the privacy NER."""
