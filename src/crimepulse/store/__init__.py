"""crimepulse.store"""
