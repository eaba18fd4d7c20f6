import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listRevisionFiles, loadEnvironment } from '../../server/src/core/config';
import { CommandError } from '../../server/src/core/graph/scriptDirectory';
import { RevisionProject } from '../../server/src/core/project/revisionProject';
import { type GenHistory, historyArb, writeHistory } from '../parity/historyGen';
import { AlembicOracle, type OracleQuery, type OracleResult } from '../parity/oracle';

/**
 * Parity with the real Alembic 1.20: random histories are written as revision files, read by
 * our static model and by Alembic's ScriptDirectory, and every answer is compared: heads,
 * bases, parents and children, branch labels, `alembic history` order, specifier resolution,
 * and the revisions `alembic upgrade`/`downgrade` would run between random states.
 */

let oracle: AlembicOracle;
let root: string;

beforeAll(() => {
  oracle = new AlembicOracle(inject('alembicPython'));
  root = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-parity-'));
});

afterAll(() => {
  oracle.close();
  rmSync(root, { recursive: true, force: true });
});

const NUM_RUNS = Number(process.env.PARITY_RUNS ?? 150);

function queriesFor(h: GenHistory, picks: number[]): OracleQuery[] {
  const ids = h.revisions.map((r) => r.id);
  const labels = h.revisions.flatMap((r) => r.labels);
  const at = (n: number): string => ids[n % ids.length]!;
  const label = (n: number): string => (labels.length > 0 ? labels[n % labels.length]! : at(n));
  const specs = (n: number): string[] => [
    'heads',
    'head',
    'base',
    at(n),
    at(n).slice(0, 4),
    at(n).slice(0, 3),
    `${label(n)}@head`,
    `${label(n)}@base`,
    `${label(n)}@heads`,
    '+1',
    '+2',
    '-1',
    `${at(n)}+1`,
    `${at(n)}-1`,
    `${label(n)}@+1`,
    `${label(n)}@-1`,
  ];
  const states = (n: number): string[][] => [[], [at(n)], [at(n), at(n + 1)], [at(n), at(n >> 2)]];
  const out: OracleQuery[] = [];
  for (const n of picks) {
    const s = specs(n);
    out.push({ op: 'resolve', spec: s[n % s.length]! });
    const st = states(n >> 3);
    out.push({ op: 'upgrade', dest: s[(n >> 1) % s.length]!, current: st[n % st.length]! });
    out.push({ op: 'downgrade', dest: s[(n >> 2) % s.length]!, current: st[(n >> 1) % st.length]! });
  }
  return out;
}

function ours(project: RevisionProject, q: OracleQuery): OracleResult {
  const script = project.script;
  try {
    if (q.op === 'resolve') return { ok: script.getRevisions(q.spec).map((r) => (r === 'base' ? r : r.revision)) };
    const plan = q.op === 'upgrade' ? script.upgradePlan(q.dest, q.current) : script.downgradePlan(q.dest, q.current);
    return { ok: plan.map((r) => r.revision) };
  } catch (e) {
    if (e instanceof CommandError) return { error: e.message };
    return { crash: String(e) };
  }
}

/**
 * Where Alembic's order depends on Python's string hashing, any order it could produce is
 * right: the same revisions, each after the ones it must follow.
 */
function sameOrder(theirs: string[], mine: string[], hashSensitive: boolean, mustPrecede: (a: string, b: string) => boolean): boolean {
  if (!hashSensitive) return JSON.stringify(mine) === JSON.stringify(theirs);
  if (JSON.stringify([...mine].sort()) !== JSON.stringify([...theirs].sort())) return false;
  return mine.every((a, i) => mine.slice(0, i).every((b) => !mustPrecede(a, b)));
}

/** Alembic lists overlapping revisions in the iteration order of a set of objects, which is arbitrary. */
function normalizeMessage(m: string): string {
  return m.replace(/(overlaps with other requested revisions )(.*)$/, (_, lead: string, list: string) => lead + list.split(', ').sort().join(', '));
}

function sameResult(theirs: OracleResult, mine: OracleResult, hashSensitive: boolean, mustPrecede: (a: string, b: string) => boolean): boolean {
  if ('ok' in theirs) return 'ok' in mine && sameOrder(theirs.ok, mine.ok, hashSensitive, mustPrecede);
  if ('error' in theirs) return 'error' in mine && normalizeMessage(mine.error) === normalizeMessage(theirs.error);
  // Alembic crashed (an assertion or a KeyError inside it): any refusal on our side matches.
  return !('ok' in mine);
}

describe('parity with Alembic 1.20', () => {
  it('agrees on random histories', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(historyArb, fc.array(fc.nat({ max: 1 << 16 }), { minLength: 4, maxLength: 8 }), async (h, picks) => {
        const dir = path.join(root, `h${n++}`);
        writeHistory(dir, h);
        writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s\n');
        const queries = queriesFor(h, picks);
        const answer = await oracle.ask(dir, queries);

        const env = loadEnvironment(path.join(dir, 'alembic.ini'));
        const project = new RevisionProject();
        project.loadFromDisk(listRevisionFiles(env));
        const problems = project.problems();

        if (answer.loadError) {
          // Alembic refuses the history; we must say why instead of answering.
          expect(problems.length, `Alembic failed with ${answer.loadError}`).toBeGreaterThan(0);
          return;
        }
        expect(problems).toEqual([]);
        const script = project.script;
        expect([...script.getHeads()].sort()).toEqual(answer.heads);
        expect(script.getHeads()).toEqual(answer.headsOrder);
        expect([...script.getBases()].sort()).toEqual(answer.bases);
        expect([...script.getHeads(true)].sort()).toEqual(answer.realHeads);
        expect([...script.map.realBases].sort()).toEqual(answer.realBases);
        // In history order (newest first) a revision comes before everything it descends from.
        const ancestorsOf = (id: string): Set<string> => {
          const rev = script.map.revisions.get(id);
          return new Set(rev ? script.map.ancestors([rev]).map((r) => r.revision) : []);
        };
        const newerFirst = (a: string, b: string): boolean => a !== b && ancestorsOf(a).has(b);
        const history = script.walkRevisions().map((r) => r.revision);
        expect(sameOrder(answer.history, history, answer.hashSensitive, newerFirst), `history: Alembic ${answer.history}, ours ${history}`).toBe(true);
        for (const [id, theirs] of Object.entries(answer.revisions)) {
          const rev = script.map.revisions.get(id)!;
          expect({
            nextrev: [...rev.nextrev].sort(),
            allNextrev: [...rev.allNextrev].sort(),
            branchLabels: [...rev.branchLabels].sort(),
            isBranchPoint: rev.isBranchPoint,
            isMergePoint: rev.isMergePoint,
            normalizedDown: [...rev.normalizedDownRevisions].sort(),
          }, `revision ${id}`).toEqual(theirs);
        }
        queries.forEach((q, i) => {
          const theirs = answer.results[i]!;
          const mine = ours(project, q);
          const precede = q.op === 'upgrade' ? (a: string, b: string) => newerFirst(b, a) : newerFirst;
          expect(sameResult(theirs, mine, answer.hashSensitive && q.op !== 'resolve', precede), `${JSON.stringify(q)}: Alembic ${JSON.stringify(theirs)}, ours ${JSON.stringify(mine)}`).toBe(true);
        });
      }),
      { numRuns: NUM_RUNS, seed: process.env.PARITY_SEED ? Number(process.env.PARITY_SEED) : undefined },
    );
  }, 600_000);
});
