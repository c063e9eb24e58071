"""The fixed-seed PRNG both generators use: the weights and the inputs are
reproducible bit for bit, with no numpy."""


class XorShift32:
    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF or 1

    def next_u32(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def randint(self, lo, hi):
        """Integer in [lo, hi] (the modulo bias is irrelevant here)."""
        return lo + self.next_u32() % (hi - lo + 1)
