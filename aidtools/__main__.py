from aidtools.cli import main

raise SystemExit(main())
