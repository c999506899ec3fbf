"""Leads (线索): capture, cleaning, assignment strategies, the public pool and the funnel."""
