"""crimepulse.snapshot"""
