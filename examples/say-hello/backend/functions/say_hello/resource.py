import os

from skyfn import define_function, secret

say_hello = define_function(
    name="say-hello",
    entry="handler.py",
    timeout_seconds=3,
    memory_mb=512,
    environment={
        "NAME": "World",
        # Branch-specific: read from the environment when you run skyfn synth.
        "API_ENDPOINT": os.environ.get("API_ENDPOINT", "https://api.example.com"),
        "MAX_ITEMS": 25,
        # Resolved when the function starts; set it with: skyfn secret set MY_API_KEY
        "API_KEY": secret("MY_API_KEY"),
    },
)
