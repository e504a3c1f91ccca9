"""Measure issue 16's Lighthouse figures on the demo data: a measurement made by hand, not a test.

Serves the demo data set with gunicorn (2 workers) from a scratch SQLite database, signs in as
the demo staff and expert users, runs Lighthouse 12.2.3 on the seven pages the issue names in
the mobile default profile and a slow-3G profile, and prints one table row per page and run.
Scores move by a few points with the machine's load, so the load average is printed with each
run; measure a page again on its own with ``--page`` before reading a low score as a regression.

    .venv/bin/python scripts/lighthouse.py                 # every page, both profiles
    .venv/bin/python scripts/lighthouse.py --page login --runs 2

Needs node/npm and Chromium (``CHROME_PATH``, default ``/usr/bin/chromium``). Lighthouse is
installed with npm into the work folder (``--workdir``, default under /tmp) when missing, never
globally; the JSON reports are kept there.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

LIGHTHOUSE_VERSION = "12.2.3"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
# Lighthouse's default mobile profile is simulated 150 ms RTT, 1.6 Mbit/s, CPU 4x.
PROFILES: dict[str, list[str]] = {
    "mobile": [],
    "slow3g": [
        "--throttling.rttMs=300",
        "--throttling.throughputKbps=400",
        "--throttling.cpuSlowdownMultiplier=4",
    ],
}
# Largest contentful paint allowed on slow 3G (issue 16), in seconds.
LCP_TARGET = {"map": 4.0}
LCP_TARGET_ORDINARY = 2.5
SCORE_TARGET = 98
DEMO_PASSWORD = "homeward-demo-2026"  # noqa: S105 - the demo data's published password
DEMO_EMAIL = {"staff": "staff@demo.homeward.test", "expert": "expert@demo.homeward.test"}
PAGES = ("landing", "login", "needs", "need", "map", "staff-need", "expert-profile")
BIN = Path(sys.executable).parent
# Requests per page before measuring, so that each of the 2 workers has served it once or more.
WARM_UP_REQUESTS = 4


@dataclass(frozen=True)
class Page:
    """One page to measure: its name in the table, its path and who is signed in."""

    name: str
    path: str
    role: str | None = None


@dataclass(frozen=True)
class Result:
    page: Page
    profile: str
    performance: int
    accessibility: int
    lcp: float
    tbt: float
    cls: float
    kilobytes: float
    load: float

    def meets_targets(self) -> bool:
        if self.profile == "mobile":
            return min(self.performance, self.accessibility) >= SCORE_TARGET
        return self.lcp <= LCP_TARGET.get(self.page.name, LCP_TARGET_ORDINARY)


class _InputValues(html.parser.HTMLParser):
    """Collects ``name -> value`` of a page's <input> elements (for the CSRF token)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.values.setdefault(str(found["name"]), found.get("value") or "")


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PLACEMENT_INSTANCE_PATH=str(workdir / "instance"),
        DATABASE_URL=f"sqlite:///{workdir / 'demo.db'}",
        PLACEMENT_ENV="development",
    )
    return env


def install_lighthouse(workdir: Path) -> Path:
    """Install the pinned Lighthouse into ``workdir/npm`` unless it is already there."""
    folder = workdir / "npm"
    installed = folder / "node_modules" / "lighthouse" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != LIGHTHOUSE_VERSION:
        folder.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed to install Lighthouse")
        subprocess.run(  # noqa: S603 - fixed arguments
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder),
             f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )  # fmt: skip
    return folder / "node_modules" / ".bin" / "lighthouse"


def seed(workdir: Path, fresh: bool) -> None:
    """Create the scratch database with the demo data (kept between runs unless ``fresh``)."""
    database, seeded = workdir / "demo.db", workdir / "demo.db.seeded"
    if seeded.exists() and not fresh:
        return
    seeded.unlink(missing_ok=True)
    database.unlink(missing_ok=True)  # a half-seeded database from an interrupted run too
    env = _environment(workdir)
    placement = str(BIN / "placement")
    # The venv's own command, fixed arguments.
    subprocess.run([placement, "db", "upgrade"], env=env, check=True, capture_output=True)  # noqa: S603
    subprocess.run([placement, "seed-demo"], env=env, check=True)  # noqa: S603
    seeded.touch()


def start_server(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    log = (workdir / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "placement.wsgi:app"],
        env=_environment(workdir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {workdir / 'gunicorn.log'}") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _get(opener: urllib.request.OpenerDirector, url: str) -> str:
    with opener.open(url, timeout=60) as response:
        return response.read().decode("utf-8")


def sign_in(base: str, role: str) -> tuple[str, urllib.request.OpenerDirector]:
    """Log in through the form as the demo user of ``role``; the session cookie's value."""
    opener, jar = _opener()
    form = _InputValues()
    form.feed(_get(opener, f"{base}/login"))
    data = {"csrf_token": form.values["csrf_token"], "email": DEMO_EMAIL[role]}
    data["password"] = DEMO_PASSWORD
    with opener.open(f"{base}/login", urllib.parse.urlencode(data).encode(), timeout=60) as answer:
        landed = urllib.parse.urlparse(answer.geturl()).path
    session = next((c.value for c in jar if c.name == "session"), None)
    if session is None or landed == "/login":
        raise SystemExit(f"could not sign in as the demo {role}")
    return f"session={session}", opener


def _links(page_html: str, prefix: str) -> list[str]:
    pattern = re.escape(prefix) + r"[0-9a-f-]{36}"
    return list(dict.fromkeys(re.findall(f'href="({pattern})"', page_html)))


def find_pages(base: str, staff: urllib.request.OpenerDirector) -> list[Page]:
    """The seven pages, the ids picked from the demo data as a visitor would find them."""
    opener, _ = _opener()
    public_needs = _links(_get(opener, f"{base}/needs"), "/needs/")
    if not public_needs:
        raise SystemExit("no open need on /needs")
    staff_need = next(
        (
            link
            for link in _links(_get(staff, f"{base}/staff/needs?status=open"), "/staff/needs/")
            if 'class="match candidate"' in _get(staff, base + link)
        ),
        None,
    )
    if staff_need is None:
        raise SystemExit("no open need with candidates on /staff/needs")
    return [
        Page("landing", "/"),
        Page("login", "/login"),
        Page("needs", "/needs"),
        Page("need", public_needs[0]),
        Page("map", "/diaspora/"),
        Page("staff-need", staff_need, "staff"),
        Page("expert-profile", "/expert/profile", "expert"),
    ]


def run_lighthouse(
    lighthouse: Path, url: str, profile: str, cookie: str | None, output: Path
) -> dict:
    command = [
        str(lighthouse), url, "--quiet", "--only-categories=performance,accessibility",
        f"--chrome-flags={CHROME_FLAGS}", "--output=json", f"--output-path={output}",
        *PROFILES[profile],
    ]  # fmt: skip
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = dict(os.environ)
    env.setdefault("CHROME_PATH", "/usr/bin/chromium")
    subprocess.run(command, env=env, check=True)  # noqa: S603 - our Lighthouse, our URLs
    return json.loads(output.read_text())


def summarise(page: Page, profile: str, report: dict, load: float) -> Result:
    audits = report["audits"]
    return Result(
        page=page,
        profile=profile,
        performance=round(report["categories"]["performance"]["score"] * 100),
        accessibility=round(report["categories"]["accessibility"]["score"] * 100),
        lcp=audits["largest-contentful-paint"]["numericValue"] / 1000,
        tbt=audits["total-blocking-time"]["numericValue"],
        cls=audits["cumulative-layout-shift"]["numericValue"],
        kilobytes=audits["total-byte-weight"]["numericValue"] / 1000,
        load=load,
    )


def print_header() -> None:
    print(
        "| page | profile | performance | accessibility | LCP | TBT | CLS | KB | load (1 min) |"
        " meets target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")


def print_row(r: Result) -> None:
    who = f" ({r.page.role})" if r.page.role else ""
    print(
        f"| `{r.page.path}`{who} | {r.profile} | {r.performance} | {r.accessibility} | "
        f"{r.lcp:.2f} s | {r.tbt:.0f} ms | {r.cls:.3f} | {r.kilobytes:.1f} | {r.load:.2f} | "
        f"{'yes' if r.meets_targets() else 'NO'} |",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "homeward-lighthouse"
    )
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--page", action="append", choices=PAGES, help="repeatable; default all")
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES))
    parser.add_argument("--runs", type=int, default=1, help="runs per page and profile")
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    args = parser.parse_args(argv)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    lighthouse = install_lighthouse(workdir)
    seed(workdir, args.fresh)
    server = start_server(workdir, args.port)
    base = f"http://127.0.0.1:{args.port}"
    results: list[Result] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")  # reports of earlier runs are kept
    try:
        cookies = {}
        openers = {}
        for role in DEMO_EMAIL:
            cookies[role], openers[role] = sign_in(base, role)
        pages = [p for p in find_pages(base, openers["staff"]) if p.name in (args.page or PAGES)]
        anonymous, _ = _opener()
        for page in pages:  # warm both workers' caches: the first map render builds its figures
            for _ in range(WARM_UP_REQUESTS):
                _get(openers[page.role] if page.role else anonymous, base + page.path)
        print_header()
        for page in pages:
            for profile in args.profile or list(PROFILES):
                for run in range(1, args.runs + 1):
                    load = os.getloadavg()[0]
                    output = workdir / f"{stamp}-{page.name}-{profile}-{run}.json"
                    cookie = cookies[page.role] if page.role else None
                    report = run_lighthouse(lighthouse, base + page.path, profile, cookie, output)
                    results.append(summarise(page, profile, report, load))
                    print_row(results[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nLighthouse {LIGHTHOUSE_VERSION}, {time.strftime('%Y-%m-%d %H:%M %Z')}:")
    print_header()
    for result in results:
        print_row(result)
    return 0 if all(r.meets_targets() for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
