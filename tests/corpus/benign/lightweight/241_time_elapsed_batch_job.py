# Question: Score a batch of loan applications and log how long the batch took (elapsed time goes to the log only).
import logging
import time

logger = logging.getLogger(__name__)
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

applications = [
    {"id": "A-1", "income": 85_000, "debt": 12_000, "score": 720},
    {"id": "A-2", "income": 42_000, "debt": 30_000, "score": 610},
    {"id": "A-3", "income": 120_000, "debt": 5_000, "score": 790},
    {"id": "A-4", "income": 55_000, "debt": 26_000, "score": 655},
    {"id": "A-5", "income": 30_000, "debt": 2_000, "score": 580},
]

started = time.time()
decisions = {}
for app in applications:
    dti = app["debt"] / app["income"]
    if app["score"] >= 700 and dti < 0.3:
        decisions[app["id"]] = "approve"
    elif app["score"] >= 620 and dti < 0.45:
        decisions[app["id"]] = "review"
    else:
        decisions[app["id"]] = "decline"
    print(f"{app['id']}: score {app['score']}, DTI {dti:.1%} -> {decisions[app['id']]}")
elapsed = time.time() - started
logger.info("scored %d applications in %.4f s", len(applications), elapsed)
print("Summary:", {d: list(decisions.values()).count(d) for d in ("approve", "review", "decline")})
