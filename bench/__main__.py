"""`python -m bench [--quick] [--scenarios a,b] [--runs N]`: see bench/README.md."""

from bench.harness import ensure_import_paths

ensure_import_paths()

from bench.cli import main  # noqa: E402

raise SystemExit(main())
