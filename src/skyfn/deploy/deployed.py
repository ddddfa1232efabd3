"""A deployed branch as ``logs`` and ``destroy`` see it: its stack (found as every command
finds it, see ``stacks``) and the functions of its deployed template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skyfn.deploy import diff, stacks, tree
from skyfn.errors import SkyfnError


@dataclass(frozen=True)
class DeployedBranch:
    app_id: str
    branch: str
    stack_name: str
    stack: dict[str, Any]
    deployment: diff.Deployment
    homes: Mapping[str, str] = field(default_factory=dict)  # function -> stack id holding it
    stacks: tuple[tree.DeployedStack, ...] = ()  # the root, then its nested parts

    def function(self, name: str) -> diff.FunctionState:
        found = self.deployment.functions.get(name)
        if found is None:
            deployed = ", ".join(sorted(self.deployment.functions)) or "none"
            raise SkyfnError(
                f"function {name} is not deployed on branch {self.branch} (stack "
                f"{self.stack_name}); deployed functions: {deployed}"
            )
        return found

    def physical_name(self, cfn: Any, state: diff.FunctionState) -> str:
        """The Lambda name CloudFormation gave the function."""
        resource = cfn.describe_stack_resource(
            StackName=self.homes.get(state.name, self.stack_name),
            LogicalResourceId=state.logical_id,
        )["StackResourceDetail"]
        return str(resource.get("PhysicalResourceId") or state.physical_name or "")


def deployed_branch(cfn: Any, app_id: str, branch: str, refusal: str) -> DeployedBranch:
    """The branch's stack; a ``SkyfnError`` when it has none (or one skyfn may not touch)."""
    name, stack = stacks.branch_stack(cfn, app_id, branch, refusal)
    if stack is None:
        from skyfn.deploy import branches

        known = branches.describe(app_id, branch, branches.deployed_branches(cfn, app_id))
        raise SkyfnError(
            f"app {app_id} has no deployed stack for branch {branch} (looked for {name}); "
            f"{refusal}; {known}. Deploy it with: skyfn pipeline-deploy --branch {branch}"
        )
    read = tree.read_tree(cfn, name, stack)
    deployment, homes = tree.describe(read)
    return DeployedBranch(app_id, branch, name, stack, deployment, homes, tuple(read))
