import path from 'node:path';
import { type AlembicEnvironment, discoverEnvironments, listRevisionFiles } from '../core/config';
import { pyStrip } from '../core/config/pyText';
import { docMessage } from '../core/graph/historyText';
import { parseRevisionFile } from '../core/parse';
import { RevisionProject } from '../core/project/revisionProject';
import { loadLintConfig, type LintConfig, type LintSettingsInput } from '../core/rules/config';
import { lintEnvironment, type LintOptions, type RuleError } from '../core/rules/runner';
import type { GraphEnvironment } from '../protocol';
import type { Diagnostic } from 'vscode-languageserver/node';
import { toDiagnostic } from './diagnostics';

/**
 * The server's model of every Alembic environment in the workspace. It knows which files
 * belong to which environment, keeps one `RevisionProject` per environment, and prefers the
 * text of open editor buffers over what is on disk.
 */

interface EnvState {
  env: AlembicEnvironment;
  /**
   * Built with the full parser as its header reader, so that the parse the graph is built
   * from is also the one the rules lint, and an edit parses one file once.
   */
  project: RevisionProject;
  config: LintConfig;
}

export class WorkspaceModel {
  private envs: EnvState[] = [];
  private readonly openTexts = new Map<string, string>();
  /** Settings from the editor per config file; they override pyproject.toml. */
  private readonly overrides = new Map<string, LintSettingsInput>();
  /** What was last published per file, so that only changed diagnostics are sent again. */
  private readonly sent = new Map<string, string>();

  /** `log` receives problems worth an output-channel line: bad lint settings, a rule that threw. */
  constructor(
    private roots: string[],
    private readonly log: (message: string) => void = () => {},
  ) {}

  setRoots(roots: string[]): void {
    this.roots = roots;
  }

  /** Finds the environments again and re-reads their files; cheap enough to do on config changes. */
  rediscover(): void {
    this.envs = this.roots.flatMap((root) => discoverEnvironments(root)).map((env) => {
      const state: EnvState = { env, project: new RevisionProject(parseRevisionFile), config: this.lintConfig(env) };
      this.refreshFiles(state);
      return state;
    });
  }

  /** Applies the editor's lint settings for one environment's config file. */
  setOverrides(configFile: string, overrides: LintSettingsInput): void {
    this.overrides.set(configFile, overrides);
    for (const s of this.envs) if (s.env.configFile === configFile) s.config = this.lintConfig(s.env);
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
    for (const s of this.envs) this.refreshFiles(s);
  }

  private refreshFiles(state: EnvState): void {
    const files = state.env.scriptLocation ? listRevisionFiles(state.env) : [];
    state.project.setFiles(files);
    for (const f of files) {
      const text = this.openTexts.get(f);
      if (text !== undefined) state.project.updateFile(f, text);
    }
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
      if (!s.project.entry(file)) continue;
      if (text === undefined) s.project.reloadFile(file);
      else s.project.updateFile(file, text);
      touched = true;
    }
    return touched;
  }

  /**
   * The diagnostics to publish: the lint findings of every revision file whose diagnostics
   * changed since the last call, including an empty list for files whose findings are gone.
   * Every file is linted on each call because chain rules (unknown parents, heads) depend on
   * the whole environment; parses are cached by the project, so only rules run again.
   */
  diagnostics(): Map<string, Diagnostic[]> {
    const all = new Map<string, Diagnostic[]>();
    for (const s of this.envs) {
      const options: LintOptions = {
        settings: s.config.settings,
        targets: s.config.targets,
        // The SQL parser is loaded off the activation path and wired in separately; until
        // then the SQL rules report nothing.
        sql: undefined,
        onRuleError: (e: RuleError) =>
          this.log(`Alembic Pilot rule ${e.rule} failed on ${e.file} and was skipped: ${e.error instanceof Error ? (e.error.stack ?? e.error.message) : String(e.error)}`),
      };
      for (const f of lintEnvironment(s.env, s.project, options)) {
        const list = all.get(f.file) ?? [];
        list.push(toDiagnostic(f));
        all.set(f.file, list);
      }
    }
    const out = new Map<string, Diagnostic[]>();
    for (const file of this.sent.keys()) if (!all.has(file)) out.set(file, []);
    for (const file of out.keys()) this.sent.delete(file);
    for (const [file, list] of all) {
      const key = JSON.stringify(list);
      if (this.sent.get(file) === key) continue;
      this.sent.set(file, key);
      out.set(file, list);
    }
    return out;
  }

  graph(configFile?: string): GraphEnvironment[] {
    return this.envs
      .filter((s) => configFile === undefined || path.resolve(configFile) === s.env.configFile)
      .map((s) => {
        const script = s.project.script;
        const ordered = script.historyOrder().revisions;
        return {
          configFile: s.env.configFile,
          section: s.env.section,
          heads: script.getHeads(),
          bases: script.getBases(),
          revisions: ordered.map((rev) => ({
            id: rev.revision,
            file: rev.path,
            downRevisions: [...rev.downRevision],
            dependsOn: [...rev.dependencies],
            branchLabels: [...rev.branchLabels],
            message: docMessage(s.project.entry(rev.path)?.header.docstring, pyStrip),
            isHead: rev.isHead,
            isBranchPoint: rev.isBranchPoint,
            isMergePoint: rev.isMergePoint,
          })),
          problemCount: s.project.problems().length,
        };
      });
  }
}
