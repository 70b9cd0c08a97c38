"""The JSON API under /api/v1/: partner agency systems' way in.

Top layer: it may import from every app. Views call services for every write and selectors for every read;
serializers only parse requests and shape responses.
"""
