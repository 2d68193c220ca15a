"""`python -m auditapp` is the `auditapp` command."""

from auditapp.cli import main

raise SystemExit(main())
