"""crimepulse.sources"""
