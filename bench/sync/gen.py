#!/usr/bin/env python3
"""Benchmark data: gen.py OUT.csv ROWS -> id,k,name,amount,d,note (about 100 bytes a row)."""
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"]
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write("id,k,name,amount,d,note\r\n")
    buf = []
    for i in range(1, n + 1):
        note = " ".join(rnd.choice(words) for _ in range(6))
        buf.append(f"{i},{rnd.randint(-2**31, 2**31 - 1)},name {i},{rnd.randint(0, 10**9)}.{rnd.randint(0, 99):02d},"
                   f"20{rnd.randint(10, 29)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d},{note}\r\n")
        if len(buf) == 10000:
            f.write("".join(buf))
            buf = []
    f.write("".join(buf))
