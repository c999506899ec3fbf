"""Figures and shared set-based SQL for customer analytics."""
