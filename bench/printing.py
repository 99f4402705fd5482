"""Benchmark of the printing package: median render time after warm-up.

Cases: form 01 (receipt) of one dossier printed again and again (its barcode
and QR come from the per-process cache after the first) and of a new dossier
every time (symbols made anew: the honest figure for a first print, and the
one the target is checked on), form 05 (control slip) with 10 steps, form 06
(register) with 500 rows, and WeasyPrint printing a one-line HTML page:
"bare" with WeasyPrint's defaults (``HTML(string=…).write_pdf()``, which
builds a new font configuration each time), and "bare_shared" through the
package's pipeline (shared fonts and stylesheet), the floor of any render.

The fast cases are measured round-robin (bare, receipt, control slip, bare,
…) so that load from other processes on the machine hits them alike.  For
information, the other one-page forms (02, 03, 04, fee receipt, each of a new
dossier) are measured afterwards, round-robin among themselves.

Usage: ``.venv/bin/python bench/printing.py [--rounds N] [--register-runs N]``.
The last line printed is one JSON object with the medians in milliseconds.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

# The project root goes first: this script's own folder (on the path when run
# as a script) holds this file, also named printing.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import HTML  # noqa: E402

from printing import lookup_url, render_pdf, samples  # noqa: E402
from printing.render import html_to_pdf  # noqa: E402

TARGET_MS = 150
TARGET_RATIO = 3
ONE_LINE = "<p>Giấy tiếp nhận hồ sơ và hẹn trả kết quả</p>"
#: The other one-page forms, measured for information: key → label.
OTHER_FORMS = {"supplement": "form 02 supplement", "refusal": "form 03 refusal",
               "apology": "form 04 apology", "fee-receipt": "fee receipt"}


def _timed(render) -> float:
    start = time.perf_counter()
    render()
    return (time.perf_counter() - start) * 1000


def measure(cases: dict, rounds: int, warmup: int = 3) -> dict[str, float]:
    """Median milliseconds of each case, measured round-robin after ``warmup`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(warmup + rounds):
        for name, render in cases.items():
            elapsed = _timed(render)
            if round_ >= warmup:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def new_dossiers(form):
    """``form`` under a new dossier code and lookup URL at every call."""
    numbers = itertools.count(1)

    def make():
        code = f"000.00.12.H29-260305-{next(numbers):04d}"
        url = lookup_url(samples.BASE_URL, code, samples.SECRET)
        return dataclasses.replace(form, dossier_code=code, lookup_url=url)

    return make


def sample_of_new_dossiers(name: str):
    """A render of form ``name``'s sample under a new dossier code at every call."""
    make = new_dossiers(samples.SAMPLES[name]())
    return lambda: render_pdf(name, make(), samples.VIETNAM_TIME)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--register-runs", type=int, default=5)
    args = parser.parse_args()

    receipt, slip, register = samples.receipt(), samples.control_slip(steps=10), samples.register(rows=500)
    new_receipt = new_dossiers(receipt)
    fast = measure({
        "bare": lambda: HTML(string=ONE_LINE).write_pdf(),
        "bare_shared": lambda: html_to_pdf(ONE_LINE),
        "receipt": lambda: render_pdf("receipt", receipt, samples.VIETNAM_TIME),
        "receipt_new_dossier": lambda: render_pdf("receipt", new_receipt(), samples.VIETNAM_TIME),
        "control_slip": lambda: render_pdf("control-slip", slip, samples.VIETNAM_TIME),
    }, args.rounds)
    others = measure({name: sample_of_new_dossiers(name) for name in OTHER_FORMS}, args.rounds)
    slow = measure({"register": lambda: render_pdf("register", register, samples.VIETNAM_TIME)}, args.register_runs,
                   warmup=1)
    result = {f"{name.replace('-', '_')}_ms_median": round(value, 1)
              for name, value in {**fast, **others, **slow}.items()}

    first_print = fast["receipt_new_dossier"]
    ratio = first_print / fast["bare"]
    print(f"bare one-line page (WeasyPrint defaults): {fast['bare']:7.1f} ms")
    print(f"bare one-line page (shared fonts + CSS):  {fast['bare_shared']:7.1f} ms")
    print(f"form 01 receipt, 3 documents, reprinted: {fast['receipt']:7.1f} ms")
    print(f"form 01 receipt of a new dossier:        {first_print:7.1f} ms"
          f"  ({ratio:.1f}x bare; target <= {TARGET_MS} ms and <= {TARGET_RATIO}x)")
    print(f"form 05 control slip, 10 steps:          {fast['control_slip']:7.1f} ms")
    for name in OTHER_FORMS:
        print(f"{OTHER_FORMS[name] + ', new dossier:':40s} {others[name]:7.1f} ms")
    print(f"form 06 register, 500 rows:               {slow['register']:7.1f} ms")
    print(f"receipt within {TARGET_MS} ms: {'yes' if first_print <= TARGET_MS else 'NO'}; "
          f"within {TARGET_RATIO}x bare: {'yes' if ratio <= TARGET_RATIO else 'NO'}")
    print(json.dumps({**result, "receipt_vs_bare": round(ratio, 2)}))


if __name__ == "__main__":
    main()
