from skyfn.runtime import LambdaContext
from skyfn_env.say_hello import env


def handler(event: dict[str, object], context: LambdaContext) -> str:
    return f"Hello, {env.NAME}!"
