"""The web application's pages for every role, on the frame of `frame.py`."""
