"""Measuring the course's effect (issue 27): the skills check, the questionnaires and their report."""
