"""The bundle check: a wheel that would not load on the function's runtime fails `sam build`."""

from pathlib import Path

from check_bundle_glibc import too_new

AMAZON_LINUX_2 = (2, 26)


def bundle_with(tmp_path: Path, *tags: str) -> Path:
    wheel = tmp_path / "package-1.0.dist-info" / "WHEEL"
    wheel.parent.mkdir()
    wheel.write_text("Wheel-Version: 1.0\n" + "".join(f"Tag: {tag}\n" for tag in tags) + "\n")
    return tmp_path


def test_a_wheel_that_needs_a_newer_glibc_is_refused(tmp_path: Path) -> None:
    bundle = bundle_with(tmp_path, "cp311-cp311-manylinux_2_28_aarch64")

    assert too_new(bundle, AMAZON_LINUX_2) == ["package-1.0.dist-info needs glibc 2.28"]


def test_a_wheel_with_one_tag_old_enough_is_kept(tmp_path: Path) -> None:
    tags = ("cp310-abi3-manylinux_2_26_aarch64", "cp310-abi3-manylinux_2_28_aarch64")

    assert too_new(bundle_with(tmp_path, *tags), AMAZON_LINUX_2) == []


def test_a_manylinux2014_wheel_is_kept(tmp_path: Path) -> None:
    bundle = bundle_with(tmp_path, "cp311-cp311-manylinux2014_aarch64")

    assert too_new(bundle, AMAZON_LINUX_2) == []


def test_a_pure_python_wheel_is_kept(tmp_path: Path) -> None:
    assert too_new(bundle_with(tmp_path, "py3-none-any"), AMAZON_LINUX_2) == []
