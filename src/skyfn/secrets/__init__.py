"""Secret stores behind one small protocol (see ``store.py``)."""
