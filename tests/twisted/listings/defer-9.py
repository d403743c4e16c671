# defer.rst listing 9 draws a random delay between 1 and 5 seconds, and
# what it prints depends on the draw: the check fixes it at 3.5 seconds, as
# the port's `uniform` stub does (35 ms), which is past the 3 s timeout.
import random

random.uniform = lambda low, high: 3.5

# the listing
