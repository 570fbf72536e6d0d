"""crimepulse.web"""
