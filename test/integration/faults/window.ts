import { createInterface } from 'node:readline';
import { DatabaseConnections } from '../../../server/src/db/connections';
import { pgTarget } from '../../../server/src/db/pgOptions';
import { VersionStateReader, type VersionTableName } from '../../../server/src/db/versionState';
import { AlembicRunner, type RunRequest } from '../../../server/src/runner/runner';

/**
 * One "window" of the concurrency scenario, as its own process: it runs one operation through
 * the runner, prints the result as a JSON line, and then prints the version table's state, read
 * through its own connection, each time a line arrives on stdin. Bundled by the test with esbuild.
 */

interface Job {
  request: Pick<RunRequest, 'env' | 'operation' | 'command' | 'database' | 'expectedCurrent'>;
  table: VersionTableName;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as Job;
  // The runner keeps a pooled connection per database for reading the version table; closed at
  // the end, or it would keep this process alive.
  const connections = new DatabaseConnections();
  const result = await new AlembicRunner({ connections }).run(job.request);
  process.stdout.write(`${JSON.stringify({ result: { ok: result.ok, errorKind: result.errorKind ?? null, message: result.message } })}\n`);
  const reader = new VersionStateReader();
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    void line;
    const state = await reader.read(pgTarget(job.request.database!.url, { env: {} }), job.table);
    process.stdout.write(`${JSON.stringify({ state: state.current })}\n`);
  }
  await reader.close();
  await connections.closeAll();
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
