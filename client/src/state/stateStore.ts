import * as vscode from 'vscode';
import { DatabaseError, VersionStateReader, versionTableFor, type ResolvedDatabase } from '../../../server/src/db';
import type { EnvironmentInfo } from '../../../server/src/protocol';
import { envKey } from '../environments';
import type { ServerApi } from '../serverApi';
import type { DatabaseView } from '../tree/model';
import type { Databases } from './databases';

/** What the view knows about one environment's database. */
export interface EnvDatabaseState {
  view: DatabaseView;
  db?: ResolvedDatabase | undefined;
  /** When the last read finished, for "refresh when stale". */
  readAt?: number;
}

/** Reads `alembic current` for databases `pg` cannot read (SQLite, MySQL): the runner's job. */
export type AlembicCurrent = (env: EnvironmentInfo, db: ResolvedDatabase, token?: vscode.CancellationToken) => Promise<string[]>;

/**
 * The database state of every environment, read through `pg` for PostgreSQL and through
 * `alembic current` otherwise. Reads of one environment never overlap: a refresh asked for
 * while one runs waits for it and then reads once more.
 */
export class StateStore implements vscode.Disposable {
  private readonly states = new Map<string, EnvDatabaseState>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Map<string, Promise<void>>();
  private readonly asked = new Set<string>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the environment key whose state changed. */
  readonly onDidChange = this.changed.event;
  readonly reader = new VersionStateReader();

  constructor(
    private readonly databases: Databases,
    private readonly api: () => ServerApi | undefined,
    private readonly trusted: () => boolean,
    private readonly log: vscode.LogOutputChannel,
    private readonly alembicCurrent: AlembicCurrent,
  ) {}

  get(env: EnvironmentInfo): EnvDatabaseState {
    return this.states.get(envKey(env)) ?? { view: { kind: 'loading' } };
  }

  /**
   * Reads the state again. `interactive` is true when the user asked (Refresh, a run): a
   * rejected password is then asked for even if it was asked for before in this session.
   */
  refresh(env: EnvironmentInfo, interactive = false): Promise<void> {
    const key = envKey(env);
    const current = this.running.get(key);
    if (current) {
      const queued = this.again.get(key) ?? current.then(() => {
        this.again.delete(key);
        return this.refresh(env, interactive);
      });
      this.again.set(key, queued);
      return queued;
    }
    const run = this.read(env, interactive).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  private set(env: EnvironmentInfo, state: EnvDatabaseState): void {
    this.states.set(envKey(env), { ...state, readAt: Date.now() });
    this.changed.fire(envKey(env));
  }

  private async read(env: EnvironmentInfo, interactive: boolean): Promise<void> {
    if (!this.trusted()) {
      this.set(env, { view: { kind: 'restricted' } });
      return;
    }
    let db: ResolvedDatabase | undefined;
    try {
      db = await this.databases.resolve(env);
    } catch (e) {
      this.set(env, { view: { kind: 'unreachable', reason: message(e) } });
      return;
    }
    if (!db) {
      this.set(env, { view: { kind: 'none' }, db });
      return;
    }
    const name = db.name ?? db.display;
    const previous = this.states.get(envKey(env));
    if (!previous || previous.view.kind === 'none' || previous.db?.url !== db.url) this.set(env, { view: { kind: 'loading', name }, db });
    try {
      const current = await this.readCurrent(env, db, interactive);
      const problem = await this.unknownRevisions(env, current);
      const pending = problem === undefined ? await this.pendingCount(env, current) : undefined;
      this.set(env, { view: { kind: 'ok', name, current, pending, problem }, db });
    } catch (e) {
      const reason = message(e);
      this.log.warn(`Reading the state of ${env.label} from ${db.display} failed: ${reason}`);
      this.set(env, { view: { kind: 'unreachable', name, reason }, db });
    }
  }

  private async readCurrent(env: EnvironmentInfo, db: ResolvedDatabase, interactive: boolean): Promise<string[]> {
    if (db.dialect !== 'postgresql') return this.alembicCurrent(env, db);
    const table = versionTableFor(this.databases.versionTableSetting(env), env.envPy);
    for (;;) {
      try {
        const state = await this.reader.read(await this.databases.target(db), table);
        return state.current;
      } catch (e) {
        // The server rejected the login: ask once per session on our own, and again whenever
        // the user asks for a refresh; a dismissed prompt leaves the reason in the view.
        if (!(e instanceof DatabaseError) || !e.needsPassword) throw e;
        if (!interactive && this.asked.has(db.display)) throw e;
        this.asked.add(db.display);
        if (!(await this.databases.askPassword(db, e))) throw e;
      }
    }
  }

  /** A version table row that no revision file declares: Alembic itself would stop there. */
  private async unknownRevisions(env: EnvironmentInfo, current: string[]): Promise<string | undefined> {
    const api = this.api();
    if (!api || current.length === 0) return undefined;
    const unknown: string[] = [];
    for (const id of current) {
      const found = await api.revision({ configFile: env.configFile, section: env.section, revision: id });
      if (!found || found.id !== id) unknown.push(id);
    }
    if (unknown.length === 0) return undefined;
    return `The version table holds ${unknown.map((u) => `'${u}'`).join(', ')}, which no revision file declares: the database was migrated from other files (another branch or checkout).`;
  }

  private async pendingCount(env: EnvironmentInfo, current: string[]): Promise<number | undefined> {
    const api = this.api();
    if (!api) return undefined;
    const plan = await api.plan({ configFile: env.configFile, section: env.section, direction: 'upgrade', destination: 'heads', current });
    return plan.ok ? plan.steps.length : undefined;
  }

  /** Forgets the state of environments that are gone. */
  retain(envs: readonly EnvironmentInfo[]): void {
    const keep = new Set(envs.map(envKey));
    for (const key of this.states.keys()) if (!keep.has(key)) this.states.delete(key);
  }

  dispose(): void {
    this.changed.dispose();
    void this.reader.close();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
