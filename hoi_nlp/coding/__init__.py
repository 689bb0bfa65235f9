"""Coders: rule, similarity and classifier coders behind one protocol, and their combination."""
