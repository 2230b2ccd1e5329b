"""Each role's landing page: its figures, quick links and to-do list, read from every app.

A top-layer app (beside reports and demo): it reads every other app's selectors, and no app
imports it.
"""
