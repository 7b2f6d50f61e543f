"""The package: ``extranet/``, with ``templates/`` and ``migrations/`` from the project's root
installed inside it, where an installed application finds them (docs/architecture.md)."""

from setuptools import find_namespace_packages, setup

FOLDERS = {"extranet.templates": "templates", "extranet.migrations": "migrations"}

packages = find_namespace_packages(include=["extranet*"])
for package, folder in FOLDERS.items():
    packages += [package, *(f"{package}.{sub}" for sub in find_namespace_packages(where=folder))]

setup(packages=packages, package_dir=FOLDERS)
