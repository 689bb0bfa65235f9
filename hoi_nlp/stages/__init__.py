"""Run stages over a study workspace: the only layer that flows/ and cli/ call."""
