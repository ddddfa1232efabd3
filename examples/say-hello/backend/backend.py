from functions.say_hello.resource import say_hello

from skyfn import define_backend

backend = define_backend(say_hello)
