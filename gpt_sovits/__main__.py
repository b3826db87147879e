import sys

from gpt_sovits.cli import main

sys.exit(main())
