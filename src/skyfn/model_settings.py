"""A function's Lambda settings beyond timeout and memory, in the model (Amplify's
``defineFunction`` offers them). ``None`` (or no layers): Lambda's default, and the
template does not mention the property. Checked by ``skyfn.synth.settings``."""

from __future__ import annotations

from dataclasses import dataclass

from skyfn.model_layers import is_arn


@dataclass(frozen=True)
class Settings:
    architecture: str | None = None  # "x86_64" or "arm64"
    ephemeral_storage_mb: int | None = None  # /tmp, 512 .. 10,240 MB
    layers: tuple[str, ...] = ()  # layer version ARNs and define_layer names, at most 5
    log_retention_days: int | None = None  # a log group of its own, kept this many days
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions

    def shown(self) -> dict[str, str]:
        """The settings that are set, as text (the console's function page)."""
        out: dict[str, str] = {}
        if self.architecture is not None:
            out["architecture"] = self.architecture
        if self.ephemeral_storage_mb is not None:
            out["ephemeral storage"] = f"{self.ephemeral_storage_mb} MB"
        if self.layers:
            out["layers"] = ", ".join(
                entry if is_arn(entry) else f"{entry} (define_layer)" for entry in self.layers
            )
        if self.log_retention_days is not None:
            out["log retention"] = f"{self.log_retention_days} days"
        if self.reserved_concurrency is not None:
            out["reserved concurrency"] = str(self.reserved_concurrency)
        return out
