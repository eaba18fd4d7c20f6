"""Answers questions about a revision history with the real Alembic, for the parity tests.

Reads JSON requests on stdin, one per line, and answers each with one line on stdout:
    {"dir": "<script directory holding versions/>",
     "queries": [{"op": "upgrade" | "downgrade", "dest": "...", "current": ["..."]},
                 {"op": "resolve", "spec": "..."}]}
Nothing here is clever on purpose: it asks Alembic's own
ScriptDirectory and RevisionMap, so that the TypeScript port is compared with the real thing.
"""

import json
import sys
import warnings

from alembic.script import ScriptDirectory
from alembic.util import CommandError


def answer_one(request: dict) -> dict:
    script = ScriptDirectory(request["dir"])
    answer = {}
    try:
        rmap = script.revision_map
        answer["heads"] = sorted(script.get_heads())
        answer["headsOrder"] = list(script.get_heads())
        answer["bases"] = sorted(script.get_bases())
        answer["realHeads"] = sorted(rmap._real_heads)
        answer["realBases"] = sorted(rmap._real_bases)
        answer["history"] = [s.revision for s in script.walk_revisions()]
        # Alembic stores a revision's remaining dependencies as tuple(set(...)), so with two or
        # more of them its orderings follow Python's per-process string hashing.
        answer["hashSensitive"] = any(
            len(s._normalized_resolved_dependencies) > 1 for s in script.walk_revisions()
        )
        answer["revisions"] = {
            s.revision: {
                "nextrev": sorted(s.nextrev),
                "allNextrev": sorted(s._all_nextrev),
                "branchLabels": sorted(s.branch_labels),
                "isBranchPoint": s.is_branch_point,
                "isMergePoint": s.is_merge_point,
                "normalizedDown": sorted(s._normalized_down_revisions),
            }
            for s in script.walk_revisions()
        }
    except Exception as e:  # noqa: BLE001 - any load failure is an answer
        answer["loadError"] = "%s: %s" % (type(e).__name__, e)
        return answer

    results = []
    for q in request.get("queries", []):
        try:
            if q["op"] == "upgrade":
                steps = script._upgrade_revs(q["dest"], tuple(q["current"]))
                results.append({"ok": [s.revision.revision for s in steps]})
            elif q["op"] == "downgrade":
                steps = script._downgrade_revs(q["dest"], tuple(q["current"]))
                results.append({"ok": [s.revision.revision for s in steps]})
            else:
                revs = script.get_revisions(q["spec"])
                results.append({"ok": [getattr(r, "revision", r) for r in revs if r is not None]})
        except CommandError as e:
            results.append({"error": str(e)})
        except Exception as e:  # noqa: BLE001 - Alembic's own crashes are answers too
            results.append({"crash": "%s: %s" % (type(e).__name__, e)})
    answer["results"] = results
    return answer


def main() -> None:
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer_one(json.loads(line))) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
