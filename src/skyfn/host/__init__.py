"""Internal (not a public API): The local host: each function in its own clean worker process, behind the Invoke API."""
