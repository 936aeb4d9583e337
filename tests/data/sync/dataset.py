#!/usr/bin/env python3
"""The sync tests' data set, written as CSV (NULL marker \\N), and its canonical form.

  dataset.py gen OUT.csv ROWS       rows with NULLs, Unicode, extreme integers, decimals, dates, long text
  dataset.py dirty OUT.csv ROWS     the same plus 5 bad rows (see below), ids shuffled in
  dataset.py canon FILE.csv         one canonical line per row, sorted by id, as the SQL dumps print them

Canonical form (every dialect's dump query prints the same): id|i64|i32|dec|HEX(txt)|HEX(longtxt)|d|dt|f(3 decimals),
NULL as \\N. Computed here with Python's csv module, independently of syncpath.
"""
import csv
import random
import sys

COLS = ["id", "i64", "i32", "dec", "txt", "longtxt", "d", "dt", "f"]
NULL = "\\N"
SPECIAL_TEXT = [
    "", " leading and trailing ", "comma, \"quote\" and 'apostrophe'", "tab\there", "line\nbreak", "crlf\r\nend",
    "back\\slash \\N not null", "Grüße, 你好, Здравствуйте, 🙂🚀", "NULL", "|pipe|", "ζ" * 200,
]


def row(i, rnd):
    r = {"id": str(i)}
    r["i64"] = rnd.choice([str(-(2 ** 63)), str(2 ** 63 - 1), "0", "-1", str(rnd.randint(-(2 ** 62), 2 ** 62))])
    r["i32"] = rnd.choice([str(-(2 ** 31)), str(2 ** 31 - 1), str(rnd.randint(-1000, 1000))])
    whole = rnd.choice([0, 1, 99999999999999999999 // 10, rnd.randint(0, 10 ** 12)])
    frac = rnd.randint(0, 10 ** 8 - 1)
    sign = "-" if rnd.random() < 0.3 and (whole or frac) else ""
    r["dec"] = f"{sign}{whole}.{frac:08d}"
    r["txt"] = rnd.choice(SPECIAL_TEXT) if i % 3 == 0 else f"row {i} ünïcødé ✓"
    r["longtxt"] = ("long text 🙂 " * (2000 + i % 7))[: 20000 + i % 13] if i % 250 == 0 else f"short {i}"
    y = rnd.choice([1000, 1970, 1999, 2000, 2024, 2100, 9999])
    r["d"] = f"{y:04d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}" if y != 2024 else "2024-02-29"
    r["dt"] = f"{rnd.choice([1970, 2000, 2024, 2038, 2099]):04d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} " \
              f"{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}"
    r["f"] = str(rnd.choice([0.5, -2.25, 1e10, 0.125, rnd.randint(-10 ** 6, 10 ** 6) / 4]))
    for c in COLS[1:]:
        if rnd.random() < 0.07:
            r[c] = NULL
    return r


def rows(n, seed=5):
    rnd = random.Random(seed)
    return [row(i, rnd) for i in range(1, n + 1)]


def write(path, rs):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(COLS)
        for r in rs:
            # \N is written unquoted (the NULL marker); every text value that could be taken for it is quoted.
            w.writerow([r[c] for c in COLS])


def canon_value(col, v):
    if v == NULL:
        return NULL
    if col in ("txt", "longtxt"):
        return v.encode("utf-8").hex().upper()
    if col == "f":
        return f"{float(v):.3f}"
    return v


def canon(path):
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = next(rd)
        idx = [header.index(c) for c in COLS]
        for rec in rd:
            out.append([canon_value(c, rec[i]) for c, i in zip(COLS, idx)])
    out.sort(key=lambda r: int(r[0]))
    for r in out:
        print("|".join(r))


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        write(sys.argv[2], rows(int(sys.argv[3])))
    elif cmd == "dirty":
        rs = rows(int(sys.argv[3]), seed=9)
        for r in rs:
            for c in COLS[1:]:
                if r[c] == NULL and c in ("txt",):
                    r[c] = "x"
        # Three values that cannot be converted, two rows the destination refuses (duplicate keys).
        rs[10]["i32"] = "not a number"
        rs[200]["i32"] = str(2 ** 40)          # past int's range
        rs[300]["d"] = "2023-02-30"            # not a calendar day
        dup1 = dict(rs[400]); dup1["txt"] = "duplicate of an earlier id"
        dup2 = dict(rs[700]); dup2["txt"] = "another duplicate"
        rs.insert(650, dup1)
        rs.insert(900, dup2)
        write(sys.argv[2], rs)
    elif cmd == "canon":
        canon(sys.argv[2])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
