"""The code that ships inside every function. Standard library only; imports nothing else
from skyfn, so a bundle needs just this package."""

from skyfn.runtime.context import LambdaContext

__all__ = ["LambdaContext"]
