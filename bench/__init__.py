"""Benchmarks: real servers on 127.0.0.1, bounded in time, numbers printed and written."""
