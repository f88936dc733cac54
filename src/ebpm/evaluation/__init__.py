"""Measuring what the course changed (issue 27): skills checks, questionnaires and their report."""
