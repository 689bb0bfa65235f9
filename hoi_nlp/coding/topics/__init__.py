"""Emergent themes (BERTopic): fit, describe, save and promote."""
