#!/usr/bin/env python3
"""Rebuild src/deid/data/{first,last,vocab}.txt.

first.txt / last.txt: the most frequent US first names and surnames of the 1990 US
Census name lists (public domain), as shipped in the PyPI package `names` 0.3.0
(`pip download --no-deps names==0.3.0`, files names/dist.*). vocab.txt: the lower-case
words of the published DWC IMR letters (../shared/data/dwc-imr/txt) and the seed: the
domain's everyday vocabulary, used to tell a common word from a distinctive token.

usage: build_lists.py CENSUS_DIR SHARED_DIR OUT_DIR
"""
import collections, glob, os, re, sys

census, shared, out = sys.argv[1:4]

def read(name):
    rows = []
    for line in open(os.path.join(census, name)):
        parts = line.split()
        if parts:
            rows.append((parts[0].lower(), float(parts[1])))
    return rows

first = collections.defaultdict(float)
for name, freq in read("dist.male.first") + read("dist.female.first"):
    first[name] += freq
top_first = sorted(first, key=lambda n: (-first[n], n))[:3000]
top_last = [n for n, _ in read("dist.all.last")][:5000]

vocab = collections.Counter()
files = glob.glob(os.path.join(shared, "data/dwc-imr/txt/*.txt")) + glob.glob(
    os.path.join(shared, "seeds/*.txt"))
for f in files:
    for w in re.findall(r"\b[a-z][a-z]{2,}\b", open(f).read()):
        vocab[w] += 1

def write(name, words):
    with open(os.path.join(out, name), "w") as fh:
        fh.write("\n".join(sorted(set(words))) + "\n")

write("first.txt", top_first)
write("last.txt", top_last)
write("vocab.txt", vocab)
