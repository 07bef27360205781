"""Package list for setuptools (everything else is in pyproject.toml).

Every ``cxkit*`` package is found automatically; the demo project ships from its one source in
the repository: ``reports.toml`` (the root, mapped to ``cxkit._demo``) and ``notebooks/``
(``cxkit._demo.notebooks``) — no copy to keep in step. ``cxkit demo --out DIR`` runs it.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

DEMO = ("cxkit._demo", "cxkit._demo.notebooks")


class BuildPy(build_py):
    """The demo packages are data only: no module of the repository root goes into them."""

    def find_package_modules(self, package, package_dir):
        if package in DEMO:
            return []
        return super().find_package_modules(package, package_dir)


setup(
    packages=[*find_packages(include=["cxkit", "cxkit.*"]), *DEMO],
    package_dir={"cxkit._demo": ".", "cxkit._demo.notebooks": "notebooks"},
    package_data={
        "cxkit": ["py.typed"],
        "cxkit._demo": ["reports.toml"],
        "cxkit._demo.notebooks": ["*.ipynb"],
    },
    cmdclass={"build_py": BuildPy},
)
