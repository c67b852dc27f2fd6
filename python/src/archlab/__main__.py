"""``python -m archlab`` is ``archlab-analyze``."""
from .cli import main

raise SystemExit(main())
