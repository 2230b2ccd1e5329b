"""The demo data set: five cities' master data, demo logins and workflow objects.

The top layer: it writes through every other app's services, and no app imports it.
"""
