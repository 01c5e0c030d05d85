"""Refuse a Lambda bundle that holds a wheel built for a newer glibc than the function's runtime.

Usage: python3 scripts/check_bundle_glibc.py BUNDLE_DIR GLIBC (for example `.aws-sam/... 2.26`).
uv offers no wheel platform between manylinux2014 (glibc 2.17) and manylinux_2_28, while Lambda's
python3.11 runtime (Amazon Linux 2) has glibc 2.26: the Makefile asks for the next platform up,
and this check keeps out any wheel that would not load there. Standard library only, so that it
runs wherever `sam build` does.
"""

import re
import sys
from pathlib import Path

# Each manylinux tag names the oldest glibc its wheel loads on; the legacy names stand for one.
MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_|manylinux(2014|2010|1)_")
LEGACY_GLIBC = {"2014": (2, 17), "2010": (2, 12), "1": (2, 5)}


def glibc_needed(tag: str) -> tuple[int, int] | None:
    """The glibc a wheel tag needs; None for a wheel that is not built for Linux's glibc."""
    found = MANYLINUX.search(tag)
    if found is None:
        return None
    major, minor, legacy = found.groups()
    return LEGACY_GLIBC[legacy] if legacy else (int(major), int(minor))


def too_new(bundle: Path, glibc: tuple[int, int]) -> list[str]:
    """Each installed wheel in `bundle` whose every Linux tag needs a newer glibc than `glibc`."""
    refused = []
    for wheel in sorted(bundle.glob("*.dist-info/WHEEL")):
        lines = wheel.read_text().splitlines()
        tags = [line.removeprefix("Tag:").strip() for line in lines if line.startswith("Tag:")]
        needs = [need for need in map(glibc_needed, tags) if need is not None]
        if needs and min(needs) > glibc:
            oldest = ".".join(map(str, min(needs)))
            refused.append(f"{wheel.parent.name} needs glibc {oldest}")
    return refused


def main(bundle: str, glibc: str) -> int:
    major, minor = glibc.split(".")
    refused = too_new(Path(bundle), (int(major), int(minor)))
    for wheel in refused:
        sys.stderr.write(f"check_bundle_glibc: {wheel}; the function's runtime has {glibc}.\n")
    if refused:
        sys.stderr.write("Pin an older release of each, or choose a newer Python runtime.\n")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
