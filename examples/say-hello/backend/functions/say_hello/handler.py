from skyfn_env.say_hello import env


def handler(event: dict[str, object], context: object) -> str:
    return f"Hello, {env.NAME}!"
