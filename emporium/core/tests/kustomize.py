"""A small kustomize for the tests: enough of it to build deploy/kubernetes/ without a binary.

It supports what our manifests use, and refuses anything else rather than ignoring it:
``resources`` (files and directories with their own kustomization.yaml), ``namespace``,
``images`` (newName, newTag) and ``patches`` with an inline JSON 6902 patch and a kind and
name target. Where ``kubectl kustomize`` is installed, test_deploy_files checks that both
build the same objects, so this stays honest.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


class UnsupportedKustomizationError(Exception):
    """The kustomization uses a feature this builder does not implement."""


def build(directory: Path) -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - SUPPORTED_KEYS
    if unsupported:
        raise UnsupportedKustomizationError(f"{directory}: {sorted(unsupported)}")
    objects: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        if path.is_dir():
            objects.extend(build(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, patch)
    for image in kustomization.get("images", []):
        for obj in objects:
            _set_image(obj, image)
    if namespace := kustomization.get("namespace"):
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED_KINDS:
                obj["metadata"]["namespace"] = namespace
    return objects


def _apply_patch(objects: list[dict[str, Any]], patch: dict[str, Any]) -> None:
    if set(patch) != {"target", "patch"} or set(patch["target"]) - {"kind", "name"}:
        raise UnsupportedKustomizationError(f"only inline JSON 6902 patches with kind/name targets: {patch}")
    operations = yaml.safe_load(patch["patch"])
    if not isinstance(operations, list):
        raise UnsupportedKustomizationError("strategic merge patches are not supported")
    target = patch["target"]
    matched = [
        obj
        for obj in objects
        if obj["kind"] == target.get("kind", obj["kind"])
        and obj["metadata"]["name"] == target.get("name", obj["metadata"]["name"])
    ]
    if not matched:
        raise UnsupportedKustomizationError(f"patch target matches nothing: {target}")
    for obj in matched:
        for operation in operations:
            _apply_operation(obj, operation)


def _apply_operation(document: dict[str, Any], operation: dict[str, Any]) -> None:
    op = operation["op"]
    if op not in {"add", "replace", "remove"}:
        raise UnsupportedKustomizationError(f"JSON patch op {op!r}")
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in operation["path"][1:].split("/")]
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op == "add":
            node.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            node[index] = copy.deepcopy(operation["value"])
        else:
            del node[index]
    elif op == "remove":
        del node[last]
    else:
        if op == "replace" and last not in node:
            raise KeyError(f"replace of a missing key: {operation['path']}")
        node[last] = copy.deepcopy(operation["value"])


def _set_image(obj: dict[str, Any], image: dict[str, str]) -> None:
    pod = obj.get("spec", {}).get("template", {}).get("spec")
    if pod is None:
        return
    for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
        name, _, tag = container["image"].partition(":")
        if name == image["name"]:
            container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
