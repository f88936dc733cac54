"""Measurements of the course's infrastructure (not part of the learner package)."""
