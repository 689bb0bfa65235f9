"""CLI commands for segmentation and coding: ``hoi code``, ``hoi evaluate``, ``hoi codebook validate``."""

from __future__ import annotations
