"""Intake under a surge: public complaint submissions per second on PostgreSQL, against the floor.

After a supply cut-off, thousands of residents of one estate complain within an hour. We post
N complaints through the real public API (`POST /api/v1/public/complaints/`: rate limit,
serializer, idempotency, classification, encryption, complaint + event + audit rows) and N to a
bare view that inserts the same complaint row (same columns, encrypted name and phone, a tracking
code, an idempotency key) in one INSERT. Both go through Django's test client in one process, so
the ratio is our cost per submission over the cheapest way to store it.

The measurement runs in a child process with DATABASE_URL pointing at PostgreSQL (Django reads
the database at start-up, and bench/run.py starts on SQLite):

    surge()                                        # from bench/run.py: rows for its table
    python bench/bench_complaints.py --surge       # the child: prints one RESULT line
    python bench/bench_complaints.py --surge --profile   # where the time goes, per component

BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/propwatch_bench) is created when
missing; without PostgreSQL the bench says so and returns nothing. BENCH_SURGE_N sets N (2000).
"""

import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/propwatch_bench")
N = int(os.environ.get("BENCH_SURGE_N", "2000"))
BLOCK = 100  # ours and the floor alternate in blocks, so a busy machine slows both alike
OURS_URL = "/api/v1/public/complaints/"
FLOOR_URL = "/bench/bare-complaint/"
URLCONF = "bench_surge_urls"


# ---- the parent (bench/run.py) ------------------------------------------------------------------

def _ensure_database(url: str) -> str:
    """"" when the database exists or was created, else why PostgreSQL cannot be used."""
    import psycopg

    base, name = url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return ""


def _reachable(url: str) -> bool:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2):
            return True
    except OSError:
        return False


def surge(n: int = N, profile: bool = False) -> list[tuple[str, float, float]]:
    """[(name, seconds per submission ours, seconds per submission floor)], or [] without PostgreSQL."""
    problem = _ensure_database(PG_URL)
    if problem:
        print(f"!! 投诉突发提交基准跳过：PostgreSQL 不可用（{PG_URL}）：{problem}", flush=True)
        return []
    env = dict(os.environ, DATABASE_URL=PG_URL, DJANGO_SETTINGS_MODULE="propwatch.settings",
               PROPWATCH_PUBLIC_COMPLAINT_RATE="100000000/m", BENCH_SURGE_N=str(n))
    env.setdefault("PROPWATCH_VAR_DIR", str(ROOT / "var" / "bench"))
    # Several app servers share their rate-limit counters in Redis: measure that set-up when a
    # Redis is there (BENCH_REDIS_URL, default the local one), the file cache otherwise.
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    if _reachable(redis_url):
        env["REDIS_URL"] = redis_url
    print(f"  限流计数：{'Redis ' + redis_url if 'REDIS_URL' in env else '本机文件缓存（未连上 Redis）'}", flush=True)
    args = [sys.executable, str(Path(__file__).resolve()), "--surge"] + (["--profile"] if profile else [])
    print(f"投诉突发提交：PostgreSQL，{n} 次公众 API 提交 vs {n} 次裸插入 …", flush=True)
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    result = next((line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if done.returncode != 0 or result is None:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        print("!! 投诉突发提交基准失败（见上）", flush=True)
        return []
    if profile:
        print("\n".join(line for line in done.stdout.splitlines() if not line.startswith("RESULT ")))
    r = json.loads(result)
    print(f"  公众 API：{r['ours_per_s']:.0f} 件/秒；裸插入：{r['floor_per_s']:.0f} 件/秒；"
          f"比值 {r['ratio']:.2f}（目标 ≤ 2）", flush=True)
    return [(f"public complaint submit, surge on one estate (PostgreSQL, n={n})", r["ours_s"], r["floor_s"])]


# ---- the child ----------------------------------------------------------------------------------

def _bare_view(request):
    """The floor: parse the same JSON, insert the same row in one INSERT, answer the tracking code."""
    from django.http import JsonResponse
    from django.utils import timezone

    from propwatch.complaints import pii, tracking
    from propwatch.complaints.models import Complaint

    data = json.loads(request.body)
    key = request.headers.get("Idempotency-Key", "")
    complaint = Complaint.objects.create(
        tracking_code=tracking.new_code(), channel="web", received_at=timezone.now(), project_id=int(data["project"]),
        text=data["text"].strip(), name_cipher=pii.encrypt(data.get("name", "")),
        phone_cipher=pii.encrypt(data.get("phone", "")), confidential=bool(data.get("confidential")),
        idempotency_key=hashlib.sha256(key.encode()).hexdigest() if key else None,
    )
    return JsonResponse({"tracking_code": tracking.display(complaint.tracking_code)}, status=201)


def _install_urlconf() -> None:
    """The project's URLs plus the bare route, as a module the settings can name."""
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [path(FLOOR_URL.strip("/") + "/", csrf_exempt(_bare_view)), path("", include("propwatch.urls"))]
    sys.modules[URLCONF] = module


def _prepare():
    from django.core.management import call_command

    from propwatch.complaints.models import Complaint
    from propwatch.regions.services import load_yichang
    from propwatch.registry.models import Project

    call_command("migrate", verbosity=0)
    load_yichang()
    project = Project.objects.order_by("pk").first()
    if project is None:
        from propwatch.demo.generate import generate

        generate(companies=1, projects=1, seed=7)
        project = Project.objects.order_by("pk").first()
    # Each run starts from the same table size: the previous runs' complaints go.
    Complaint.objects.filter(project=project).delete()
    return project


def _payloads(project_id: int, n: int, tag: str) -> list[tuple[dict, str]]:
    from propwatch.demo.complaints_demo import supply_cut_texts
    from propwatch.demo.names import SURNAMES

    rng = random.Random(tag)
    out = []
    run = f"{tag}-{time.time_ns()}"
    for i, text in enumerate(supply_cut_texts(n, seed=len(tag))):
        anonymous = rng.random() < 0.3
        body = {"project": project_id, "text": text, "confidential": rng.random() < 0.1,
                "name": "" if anonymous else rng.choice(SURNAMES) + rng.choice(["女士", "先生"]),
                "phone": "" if anonymous else f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"}
        out.append((body, f"{run}-{i}"))
    return out


def _post(client, url: str, body: dict, key: str) -> None:
    response = client.post(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json",
                           headers={"Idempotency-Key": key})
    if response.status_code != 201:
        raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")


def _measure(client, project, n: int) -> tuple[float, float]:
    """(seconds per submission ours, floor): alternating blocks, after a warm-up of each."""
    ours_load, floor_load = _payloads(project.pk, n + 20, "ours"), _payloads(project.pk, n + 20, "floor")
    for body, key in ours_load[:20]:  # the first one trains or loads the classifier
        _post(client, OURS_URL, body, key)
    for body, key in floor_load[:20]:
        _post(client, FLOOR_URL, body, key)
    ours_blocks, floor_blocks = [], []
    for start in range(20, n + 20, BLOCK):
        for url, load, blocks in ((OURS_URL, ours_load, ours_blocks), (FLOOR_URL, floor_load, floor_blocks)):
            batch = load[start:start + BLOCK]
            t = time.perf_counter()
            for body, key in batch:
                _post(client, url, body, key)
            blocks.append((time.perf_counter() - t) / len(batch))
    # The median block: one stall of a shared machine does not decide the figure.
    return statistics.median(ours_blocks), statistics.median(floor_blocks)


def _profile(client, project, n: int) -> None:
    """Where one public submission spends its time, per request: wall time inside each component,
    and each SQL statement (and COMMIT) by kind, for ours and for the floor."""
    import cProfile
    import pstats
    import re

    from django.db import connection

    from propwatch.complaints import models as complaint_models
    from propwatch.complaints import pii, routing, services, tracking
    from propwatch.portal import api, intake, limits

    spent: dict[str, float] = {}
    table = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

    def add(label: str, since: float) -> None:
        spent[label] = spent.get(label, 0.0) + time.perf_counter() - since

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                add(label, t)

        setattr(owner, name, wrapper)

    def sql_timer(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            where = table.search(sql)
            add(f"SQL {sql.split(None, 1)[0].upper()} {where.group(1) if where else ''}", t)

    timed(limits, "over_limit", "rate limit (django-ratelimit)")
    timed(api.PublicComplaintSerializer, "is_valid", "serializer (project SELECT, phone check)")
    timed(intake, "submit", "intake.submit → submit_public_complaint")
    timed(services, "classify", "  classify (jieba + TF-IDF + regression)")
    timed(services, "_create", "  _create (in the transaction)")
    timed(routing, "reply_deadline", "    reply deadline (working-day calendar)")
    timed(complaint_models.Complaint, "save", "    complaint INSERT (save)")
    timed(services, "_event", "    receive event INSERT")
    timed(services, "record_change", "    audit snapshot + INSERT")
    timed(pii, "encrypt", "    encrypt name + phone (Fernet)")
    timed(tracking, "new_code", "    tracking code")
    timed(api, "reverse", "status URL (reverse)")
    timed(connection, "commit", "COMMIT")

    def run(url: str, load: list) -> float:
        spent.clear()
        t = time.perf_counter()
        with connection.execute_wrapper(sql_timer):
            for body, key in load:
                _post(client, url, body, key)
        return time.perf_counter() - t

    def report(title: str, total: float, count: int) -> None:
        print(f"\n{title}（{count} 次）：总计 {total / count * 1000:.2f} ms/次")
        for label, seconds in sorted(spent.items(), key=lambda kv: (not kv[0].startswith("SQL"), 0)):
            print(f"  {label:52} {seconds / count * 1000:7.2f} ms  {seconds / total:6.1%}")

    load = _payloads(project.pk, n, "profile")
    profiler = cProfile.Profile()
    for body, key in load[: n // 4]:
        profiler.runcall(_post, client, OURS_URL, body, key)
    rest = load[n // 4:]
    report("公众 API 每次提交的耗时构成", run(OURS_URL, rest), len(rest))
    floor_load = _payloads(project.pk, len(rest), "profile-floor")
    report("裸插入（基准下限）每次提交的耗时构成", run(FLOOR_URL, floor_load), len(floor_load))
    print("\ncProfile（前 1/4 的公众 API 请求），按累计时间：")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"propwatch|django_ratelimit|cryptography|jieba|sklearn", 25)


def child(profile: bool) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    assert connection.vendor == "postgresql", "the surge bench measures PostgreSQL"
    project = _prepare()
    _install_urlconf()
    n = int(os.environ.get("BENCH_SURGE_N", N))
    with override_settings(ROOT_URLCONF=URLCONF, PUBLIC_COMPLAINT_RATE="100000000/m"):
        client = Client()
        ours, floor = _measure(client, project, n)
        if profile:
            _profile(client, project, n)
    print("RESULT " + json.dumps({"ours_s": ours, "floor_s": floor, "ours_per_s": 1 / ours, "floor_per_s": 1 / floor,
                                  "ratio": ours / floor}))


if __name__ == "__main__":
    if "--surge" not in sys.argv:
        # Stand-alone: set up as bench/run.py does, then run the surge (and its profile) from here.
        rows = surge(profile="--profile" in sys.argv)
        for name, ours, floor in rows:
            print(f"{name:58} {ours * 1000:9.2f} {floor * 1000:9.2f} {ours / floor:7.2f}")
    else:
        child(profile="--profile" in sys.argv)
