"""Internal (not a public API): Secret stores behind one small protocol (see ``store.py``)."""
