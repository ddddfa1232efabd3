from skyfn.runtime import LambdaContext
from skyfn_env.say_hello import env


def handler(event: dict[str, object], context: LambdaContext) -> str:
    # API_KEY was resolved before this module was imported; log its length, never its value.
    print(f"API_KEY resolved: {len(env.API_KEY)} characters")
    return f"Hello, {env.NAME}!"
