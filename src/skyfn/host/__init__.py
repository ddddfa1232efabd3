"""The local host: each function in its own clean worker process, behind the Invoke API."""
