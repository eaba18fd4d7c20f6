import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Diagnostic } from 'vscode-languageserver/node';
import { type AlembicEnvironment, discoverEnvironments, listRevisionFiles } from '../core/config';
import { parseRevisionFileIncremental, type ParseState, type RevisionFile } from '../core/parse';
import { RevisionProject } from '../core/project/revisionProject';
import type { RevisionHeader } from '../core/revisionHeader';
import { loadLintConfig, type LintConfig, type LintSettingsInput } from '../core/rules/config';
import { fullParse, type LintOptions, type RuleError } from '../core/rules/runner';
import type { Finding, SqlParser } from '../core/rules/types';
import { scanRevisionHeader } from '../core/scan/headerScanner';
import type { GraphEnvironment } from '../protocol';
import { toDiagnostic } from './diagnostics';
import { graphEnvironment, historyOrder, type Page } from './graphView';
import { LintState, type LintBudget } from './lintState';

/**
 * The server's model of every Alembic environment in the workspace. It knows which files
 * belong to which environment, keeps one `RevisionProject` per environment, prefers the text
 * of open editor buffers over what is on disk, and keeps the last findings of every file so
 * that a keystroke re-lints one file and code actions never lint at all.
 *
 * Reading a long history takes a while, so `rediscover` reads the files in slices that let
 * the server answer messages meanwhile; requests that need the graph wait for `ready()`, and
 * an environment is linted only once all its files are read.
 */

interface EnvState {
  env: AlembicEnvironment;
  /**
   * Built from the header scanner for closed files and from the full parser for open ones, so
   * that an edit parses its file once and the rules lint that same parse; a closed file is
   * parsed fully only while it is linted.
   */
  project: RevisionProject;
  config: LintConfig;
  lint: LintState;
  /** All of the environment's files have been read. */
  indexed: boolean;
}

/** How long one slice of reading or background linting may keep the event loop. */
const SLICE_MS = 8;

/** Lets the messages that came in meanwhile be handled. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An environment, the project of its revision files and its lint settings. */
export interface EnvironmentProject {
  env: AlembicEnvironment;
  project: RevisionProject;
  lint: LintConfig;
}

/** A revision file as the editor features see it: its parse and the environment it is in. */
export interface OpenRevision {
  env: AlembicEnvironment;
  project: RevisionProject;
  file: RevisionFile;
}

export class WorkspaceModel {
  private envs: EnvState[] = [];
  private readonly openTexts = new Map<string, string>();
  /**
   * The last parse of each open file (its tree and what its statements yielded), so that the
   * next keystroke re-parses and re-extracts only around the edit. Closed files are parsed
   * from scratch and keep nothing, which would cost memory for every file of a long history.
   */
  private readonly parses = new Map<string, ParseState>();
  /** Settings from the editor per config file; they override pyproject.toml. */
  private readonly overrides = new Map<string, LintSettingsInput>();
  /** What was last published per file, so that only changed diagnostics are sent again. */
  private readonly sent = new Map<string, string>();
  /** Files linted since the last `diagnostics()` call, whose diagnostics may need sending. */
  private readonly relinted = new Set<string>();
  /**
   * Whether an environment's file list was read again since the last `diagnostics()`, so that
   * files that left every environment may need their diagnostics cleared. Keystrokes do not
   * change the lists, so they skip that pass over every file with diagnostics.
   */
  private listingChanged = false;
  /** Config files of the environments whose graph (or revision messages) changed since the last `takeGraphChanges()`. */
  private readonly graphChanged = new Set<string>();
  private sql: SqlParser | undefined;
  /** The SQL parser is loaded or failed to load: the rest of the history may be linted. */
  private sqlSettled = false;
  private generation = 0;
  private indexing: Promise<void> = Promise.resolve();

  /**
   * `log` receives problems worth an output-channel line: bad lint settings, a rule that threw;
   * `info` what is worth knowing when things go well, such as how long reading the files took.
   */
  constructor(
    private roots: string[],
    private readonly log: (message: string) => void = () => {},
    private readonly info: (message: string) => void = () => {},
  ) {}

  setRoots(roots: string[]): void {
    this.roots = roots;
  }

  workspaceRoots(): readonly string[] {
    return this.roots;
  }

  /**
   * Finds the environments again (at once) and re-reads their files (in slices); resolves when
   * every file is read. A later call supersedes an earlier one that is still reading.
   */
  rediscover(): Promise<void> {
    const generation = ++this.generation;
    this.listingChanged = true;
    this.envs = this.roots
      .flatMap((root) => discoverEnvironments(root))
      .map((env) => ({ env, project: new RevisionProject((p, t) => this.parse(p, t)), config: this.lintConfig(env), lint: new LintState(), indexed: false }));
    this.indexing = this.index(generation).catch((e: unknown) => this.log(`Alembic Pilot failed while reading revision files: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    return this.indexing;
  }

  private async index(generation: number): Promise<void> {
    const current = async (): Promise<boolean> => {
      await yieldToEventLoop();
      return generation === this.generation;
    };
    for (const state of this.envs) {
      const files = state.env.scriptLocation ? listRevisionFiles(state.env) : [];
      const started = performance.now();
      if (!(await state.project.loadGradually(files, current, SLICE_MS))) return;
      this.info(`Alembic Pilot read ${files.length} revision files of ${state.env.configFile} in ${Math.round(performance.now() - started)} ms.`);
      // Buffers opened while the files were read are newer than the disk.
      for (const [file, text] of this.openTexts) if (state.project.entry(file)) state.project.updateFile(file, text);
      state.indexed = true;
      state.lint.invalidateAll();
      this.graphChanged.add(state.env.configFile);
    }
  }

  /** Resolves when every environment's files are read (including after a later `rediscover`). */
  async ready(): Promise<void> {
    for (let waited: Promise<void> | undefined; waited !== this.indexing; ) {
      waited = this.indexing;
      await waited;
    }
  }

  /**
   * Whether `diagnostics(sliceMs)` has more to do: graph rules to run again after a header
   * edit, or files of the history left to lint. Files are still being read while `ready()` is
   * pending, and the history waits for the SQL parser.
   */
  get busy(): boolean {
    return this.envs.some((s) => s.indexed && s.lint.hasWork(this.sqlSettled));
  }

  /** The environments whose graph view is out of date, for `alembicPilot/graphChanged`. */
  takeGraphChanges(): string[] {
    const out = [...this.graphChanged];
    this.graphChanged.clear();
    return out;
  }

  private parse(file: string, text: string): RevisionHeader {
    if (!this.openTexts.has(file)) {
      this.parses.delete(file);
      return scanRevisionHeader(file, text);
    }
    const { file: parsed, state } = parseRevisionFileIncremental(file, text, this.parses.get(file));
    this.parses.set(file, state);
    return parsed;
  }

  /** Applies the editor's lint settings for one environment's config file. */
  setOverrides(configFile: string, overrides: LintSettingsInput): void {
    this.overrides.set(configFile, overrides);
    for (const s of this.envs) {
      if (s.env.configFile !== configFile) continue;
      s.config = this.lintConfig(s.env);
      s.lint.invalidateAll();
    }
  }

  /**
   * Gives the SQL rules PostgreSQL's parser once it is loaded (every file is linted again), or
   * says that it will not come (undefined). Until then only open files are linted.
   */
  setSqlParser(sql: SqlParser | undefined): void {
    this.sqlSettled = true;
    if (!sql) return;
    this.sql = sql;
    for (const s of this.envs) s.lint.invalidateAll();
  }

  private lintConfig(env: AlembicEnvironment): LintConfig {
    const config = loadLintConfig(env, this.overrides.get(env.configFile));
    for (const p of config.problems) this.log(`Alembic Pilot lint configuration: ${p.message}`);
    return config;
  }

  environments(): AlembicEnvironment[] {
    return this.envs.map((s) => s.env);
  }

  /** Re-lists an environment's files after a file was created or deleted. */
  refreshListing(): void {
    for (const s of this.envs) if (s.indexed) this.refreshFiles(s);
  }

  /** Lists the environment's files again: new ones are read and linted, removed ones dropped. */
  private refreshFiles(state: EnvState): void {
    const files = state.env.scriptLocation ? listRevisionFiles(state.env) : [];
    const before = new Map(state.project.entries().map((e) => [e.header.path, e]));
    state.project.setFiles(files);
    for (const f of files) {
      const text = this.openTexts.get(f);
      if (text !== undefined) state.project.updateFile(f, text);
    }
    for (const f of files) if (!before.has(f)) state.lint.fileChanged(f, undefined, state.project.entry(f));
    for (const [f, entry] of before) if (!state.project.entry(f)) state.lint.fileChanged(f, entry, undefined);
    this.graphChanged.add(state.env.configFile);
    this.listingChanged = true;
  }

  /** True when the file is a revision file of some environment. */
  owns(file: string): boolean {
    return this.envs.some((s) => s.project.entry(file) !== undefined);
  }

  /** A revision file's text changed in the editor (or was reverted to disk on close). */
  setText(file: string, text: string | undefined): boolean {
    if (text === undefined) this.openTexts.delete(file);
    else this.openTexts.set(file, text);
    let touched = false;
    for (const s of this.envs) {
      // An environment still being read takes the open buffers when its last slice is read.
      if (!s.indexed) continue;
      const before = s.project.entry(file);
      if (!before) continue;
      if (text === undefined) s.project.reloadFile(file);
      else s.project.updateFile(file, text);
      const after = s.project.entry(file);
      if (s.lint.fileChanged(file, before, after) || before.header.docstring !== after?.header.docstring) this.graphChanged.add(s.env.configFile);
      touched = true;
    }
    if (text === undefined) this.parses.delete(file);
    return touched;
  }

  /**
   * The diagnostics to publish: those of every file linted again whose diagnostics changed
   * since the last call, including an empty list for files whose findings are gone. With
   * `sliceMs`, the open files and the graph rules are brought up to date and the rest of the
   * history is linted for about that long (see `busy`); without it, everything is linted.
   */
  diagnostics(sliceMs?: number): Map<string, Diagnostic[]> {
    this.lint(sliceMs === undefined ? undefined : { urgent: (f) => this.openTexts.has(f), deadline: performance.now() + sliceMs, background: this.sqlSettled });
    const changed = new Set(this.relinted);
    this.relinted.clear();
    if (this.listingChanged) {
      this.listingChanged = false;
      for (const file of this.sent.keys()) if (!this.owns(file)) changed.add(file);
    }
    const out = new Map<string, Diagnostic[]>();
    for (const file of changed) {
      const list = this.findingsOf(file).map((f) => toDiagnostic(f));
      const key = JSON.stringify(list);
      if ((this.sent.get(file) ?? '[]') === key) continue;
      if (list.length === 0) this.sent.delete(file);
      else this.sent.set(file, key);
      out.set(file, list);
    }
    return out;
  }

  /**
   * The current findings of a file in every environment it belongs to. Stale files are linted
   * first; the files linted here are still published by the next `diagnostics()`.
   */
  findings(file: string): Finding[] {
    this.lint({ urgent: (f) => f === file || this.openTexts.has(f), deadline: 0, background: false });
    return this.findingsOf(file);
  }

  /** Lints what is stale (within `budget`) and remembers the files whose findings were recomputed. */
  private lint(budget?: LintBudget): void {
    for (const s of this.envs) {
      if (!s.indexed || !s.lint.pending) continue;
      const options: LintOptions = {
        settings: s.config.settings,
        targets: s.config.targets,
        sql: this.sql,
        onRuleError: (e: RuleError) =>
          this.log(`Alembic Pilot rule ${e.rule} failed on ${e.file} and was skipped: ${e.error instanceof Error ? (e.error.stack ?? e.error.message) : String(e.error)}`),
      };
      for (const f of s.lint.lint(s.env, s.project, options, budget)) this.relinted.add(f);
    }
  }

  private findingsOf(file: string): Finding[] {
    // A finding about the environment is placed in its config file, which the editor does not
    // lint; it is left to the CLI rather than shown at the wrong place.
    return this.envs.flatMap((s) => s.lint.of(file).filter((f) => f.file === file));
  }

  /** The parse of a revision file and its environment, for hover, navigation and the like. */
  revision(file: string): OpenRevision | undefined {
    for (const s of this.envs) {
      const entry = s.project.entry(file);
      if (entry) return { env: s.env, project: s.project, file: fullParse(entry.header) };
    }
    return undefined;
  }

  /** The environments with their projects: all, those of one config file, or one section of it. */
  projects(configFile?: string, section?: string): EnvironmentProject[] {
    return this.envs
      .filter((s) => configFile === undefined || path.resolve(configFile) === s.env.configFile)
      .filter((s) => section === undefined || s.env.section === section)
      .map((s) => ({ env: s.env, project: s.project, lint: s.config }));
  }

  graph(configFile?: string, section?: string, page: Page = {}): GraphEnvironment[] {
    return this.projects(configFile, section).map((s) => graphEnvironment(s.env, s.project, page));
  }

  /**
   * Orders each read environment's history ahead of the Revisions view's next request. The
   * order is cached per graph, so this costs nothing when the graph has not changed, and a
   * 10,000-revision history takes a few hundred milliseconds to order otherwise: done while
   * the user is idle, the view's first expansion only slices it.
   */
  warmHistoryOrders(): void {
    for (const s of this.envs) if (s.indexed) historyOrder(s.project.script);
  }
}
