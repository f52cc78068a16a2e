"""`python -m simulator`: the fake LINE platform and chat page on one port."""

from simulator.app import main

if __name__ == "__main__":
    main()
