"""The example application: a table of computed values rendered by tabulate (from PyPI)."""

import platform

import tabulate


def main() -> None:
    rows = [(n, n * n, sum(range(n + 1)), 2**n) for n in (1, 2, 3, 10, 20)]
    print(tabulate.tabulate(rows, headers=["n", "n^2", "1+..+n", "2^n"], tablefmt="github"))
    print(
        f"tabulate {tabulate.__version__} from {tabulate.__file__} "
        f"on Python {platform.python_version()} ({platform.machine()})"
    )


if __name__ == "__main__":
    main()
