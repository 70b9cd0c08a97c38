#!/usr/bin/env python
from macpu.cli import main

if __name__ == "__main__":
    main()
