import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A long-lived Python process running `alembic_oracle.py`, so that each generated history
 * costs one round trip instead of one interpreter start (Alembic takes ~0.3 s to import).
 */

export type OracleQuery = { op: 'upgrade' | 'downgrade'; dest: string; current: string[] } | { op: 'resolve'; spec: string };

export type OracleResult = { ok: string[] } | { error: string } | { crash: string };

export interface OracleAnswer {
  loadError?: string;
  heads: string[];
  headsOrder: string[];
  bases: string[];
  realHeads: string[];
  realBases: string[];
  history: string[];
  /** Alembic's orderings depend on PYTHONHASHSEED for this history (see alembic_oracle.py). */
  hashSensitive: boolean;
  revisions: Record<string, { nextrev: string[]; allNextrev: string[]; branchLabels: string[]; isBranchPoint: boolean; isMergePoint: boolean; normalizedDown: string[] }>;
  results: OracleResult[];
}

export class AlembicOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(python: string) {
    this.child = spawn(python, [path.join(__dirname, 'alembic_oracle.py')], {
      stdio: 'pipe',
      env: { ...process.env, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.pending.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0)) p(JSON.stringify({ oracleExit: code, stderr: this.stderr }));
    });
  }

  ask(dir: string, queries: OracleQuery[]): Promise<OracleAnswer> {
    return new Promise((resolve, reject) => {
      this.pending.push((line) => {
        const parsed = JSON.parse(line) as OracleAnswer & { oracleExit?: number };
        if (parsed.oracleExit !== undefined) reject(new Error(`The Alembic oracle exited: ${this.stderr}`));
        else resolve(parsed);
      });
      this.child.stdin.write(`${JSON.stringify({ dir, queries })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
