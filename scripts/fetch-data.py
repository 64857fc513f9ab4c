#!/usr/bin/env python3
"""Fetches the real data sets the trainer is shown on into data/, from the
aeon package on PyPI (which ships them), and checks them against the
checksums below: the UEA archive's BasicMotions and JapaneseVowels (.ts,
train and test splits) and the Airline passengers series (CSV). The files
are committed; this script says where they came from and reproduces them.

    python3 scripts/fetch-data.py          # writes data/ (pip download, ~6 MB)
    python3 scripts/fetch-data.py --check  # checks the committed files only
"""
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

AEON = "aeon==1.6.0"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# Path in the wheel -> path under data/, sha256.
FILES = {
    "aeon/datasets/data/BasicMotions/BasicMotions_TRAIN.ts": "uea/BasicMotions_TRAIN.ts",
    "aeon/datasets/data/BasicMotions/BasicMotions_TEST.ts": "uea/BasicMotions_TEST.ts",
    "aeon/datasets/data/JapaneseVowels/JapaneseVowels_TRAIN.ts": "uea/JapaneseVowels_TRAIN.ts",
    "aeon/datasets/data/JapaneseVowels/JapaneseVowels_TEST.ts": "uea/JapaneseVowels_TEST.ts",
    "aeon/datasets/data/Airline/Airline.csv": "forecast/Airline.csv",
}
SUMS = DATA / "SHA256SUMS"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check():
    bad = []
    for line in SUMS.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        path = DATA / name
        if not path.exists() or sha256(path) != digest:
            bad.append(name)
    if bad:
        sys.exit(f"changed or missing: {', '.join(bad)}")
    print(f"{len(FILES)} files match {SUMS.relative_to(ROOT)}")


def fetch():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", AEON, "--no-deps", "-q",
                        "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("aeon-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            for inner, name in FILES.items():
                out = DATA / name
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(z.read(inner))
    if SUMS.exists():
        check()
    else:
        SUMS.write_text("".join(f"{sha256(DATA / n)}  {n}\n" for n in FILES.values()))
        print(f"wrote {SUMS.relative_to(ROOT)}")


if __name__ == "__main__":
    check() if "--check" in sys.argv[1:] else fetch()
