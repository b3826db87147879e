"""Start GPT-SoVITS Studio: `python app.py [--host 127.0.0.1] [--port 7860] [--no-browser] [--auth USER:PASS]`."""

import sys

from gpt_sovits.ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
