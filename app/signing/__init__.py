"""Chữ ký số cho thư xin lỗi (apology letters).

``pdf`` signs a letter with a leader's PIN-protected key and verifies a signed
letter (ours or one signed outside the product); ``demo_ca`` issues throw-away
DEMO certificates for demos and tests.  Both are pure: no Flask, no database.
"""
