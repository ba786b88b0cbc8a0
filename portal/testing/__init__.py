"""Checks the test suites share (unit tests and browser journeys alike)."""
