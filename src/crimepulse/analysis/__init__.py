"""crimepulse.analysis"""
