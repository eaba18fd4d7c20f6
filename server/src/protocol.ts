/**
 * Alembic Pilot's own LSP messages. Each is a namespace with its method name and its types, as
 * vscode-eslint does, so that the client and the server share one definition. Every message is
 * documented in docs/ARCHITECTURE.md ("Custom LSP messages").
 *
 * The server never touches a database or runs Alembic: those belong to the Node-only modules
 * `server/src/db` and `server/src/runner`, which the client and the CLI use directly.
 */

import type { EnvPyFacts } from './core/config/envPy';
import type { Dialect } from './core/config/sqlalchemyUrl';

export type { EnvPyFacts } from './core/config/envPy';
export type { Dialect } from './core/config/sqlalchemyUrl';

/** A position in a document: 0-based line and UTF-16 character, as in LSP. */
export interface ProtocolPosition {
  line: number;
  character: number;
}

/** Names one Alembic environment: its config file and, for an ini file, its section. */
export interface EnvironmentKey {
  /** The alembic.ini or pyproject.toml that defines the environment (absolute path). */
  configFile: string;
  /** The ini section (`alembic -n`); the default `alembic` when omitted. */
  section?: string;
}

export interface GraphRevision {
  id: string;
  /** Absolute path of the revision file. */
  file: string;
  downRevisions: string[];
  dependsOn: string[];
  /** Labels after Alembic's propagation along the branch. */
  branchLabels: string[];
  /** The labels the file itself declares (`branch_labels = ...`). */
  declaredBranchLabels: string[];
  message: string;
  /** The docstring's `Create Date:` header as written, when there is one. */
  createDate?: string;
  isHead: boolean;
  isBase: boolean;
  isBranchPoint: boolean;
  isMergePoint: boolean;
}

export interface GraphEnvironment {
  /** The alembic.ini or pyproject.toml that defines the environment. */
  configFile: string;
  section: string;
  heads: string[];
  bases: string[];
  /**
   * Newest first, in `alembic history` order: the whole history, or the page that the request's
   * `offset`/`limit` asked for.
   */
  revisions: GraphRevision[];
  /** Index of `revisions[0]` in the whole history order. */
  offset: number;
  /** The number of revisions in the whole history, so the client knows whether to offer "Load more". */
  total: number;
  /** Set when Alembic could not order this history; `revisions` are then in file order, newest file first. */
  orderError?: string;
  problemCount: number;
}

/**
 * Sent by the client to draw the revision tree; the server owns the model and answers from it.
 * With `limit`, only that page of each environment's history is sent: the client asks for the
 * newest 200 and then "Load more" pages, so a 10,000-revision history never crosses the wire whole.
 */
export namespace GraphRequest {
  export const method = 'alembicPilot/graph';
  export interface Params {
    /** Restrict the answer to the environment of this config file. */
    configFile?: string;
    /** With `configFile`: restrict it further to this ini section. */
    section?: string;
    /** Index of the first revision to send, in history order; 0 when omitted. */
    offset?: number;
    /** How many revisions to send at most; every one from `offset` on when omitted. */
    limit?: number;
  }
  export interface Result {
    environments: GraphEnvironment[];
  }
}

/**
 * Sent by the client for one revision's details, e.g. for a tooltip, a CodeLens command or a
 * revision not yet paged in. `null` when the environment or the revision is unknown.
 */
export namespace RevisionRequest {
  export const method = 'alembicPilot/revision';
  export interface Params extends EnvironmentKey {
    /** A full id, a unique prefix, or `label@head` style specifier, as Alembic resolves them. */
    revision: string;
  }
  export interface Result extends GraphRevision {
    /** Revisions whose `down_revision` names this one. */
    children: string[];
    /** Index of this revision in the history order, so the client can page to it. */
    historyIndex: number;
  }
}

/** One Alembic environment, with everything the client needs to show it and to run Alembic on it. */
export interface EnvironmentInfo {
  configFile: string;
  section: string;
  /** The ini file when it has the section. */
  iniFile?: string;
  /** The pyproject.toml when it has `[tool.alembic]`. */
  pyprojectFile?: string;
  /** Folder of configFile: Alembic's `%(here)s` and the default working directory of a run. */
  here: string;
  /** A short name for the view: the config file relative to its workspace folder, plus `[section]` when not the default. */
  label: string;
  scriptLocation?: string;
  versionLocations: string[];
  /**
   * The `sqlalchemy.url` literal of the config, interpolated, without Alembic's
   * `driver://user:pass@localhost/dbname` placeholder. It may hold a password: never log it.
   */
  sqlalchemyUrl?: string;
  /** The dialect of `sqlalchemyUrl`'s scheme; the client recomputes it for the URL it resolves. */
  dialect?: Dialect;
  envPy: EnvPyFacts;
  /** Every branch label of the history (declared ones), sorted. */
  branchLabels: string[];
  heads: string[];
  bases: string[];
  /**
   * The heads that the `multiple-heads` rule reports, grouped by fork: each group is what one
   * Merge Heads merges, in Alembic's head order. Independent labelled branches (the sample's
   * `analytics`) never appear here. Empty when there is nothing to merge.
   */
  mergeHeads: string[][];
  /** Version locations a new base may be written to (the client asks which when there are several). */
  newBaseLocations: string[];
  revisionCount: number;
  problemCount: number;
  /** Problems of the configuration itself (not of revision files), in plain words. */
  configProblems: string[];
}

/**
 * Sent by the client at start-up, after `environmentsChanged` and after `graphChanged` (heads and
 * Merge Heads groups follow the files) to list the environments. The context key
 * `alembicPilot.inProject` is set when this returns at least one.
 */
export namespace EnvironmentsRequest {
  export const method = 'alembicPilot/environments';
  export interface Params {
    /** Restrict the answer to the environment(s) of this config file. */
    configFile?: string;
  }
  export interface Result {
    environments: EnvironmentInfo[];
  }
}

export interface PlanStep {
  id: string;
  message: string;
  file: string;
  isMergePoint: boolean;
  isBranchPoint: boolean;
}

/**
 * Sent by the client before running an upgrade or downgrade, to confirm it with the user: the
 * revisions Alembic will run, in order, computed by the same planner the graph uses. The
 * client also hands `expectedCurrent` to the runner, which checks the version table against it
 * afterwards.
 */
export namespace PlanRequest {
  export const method = 'alembicPilot/plan';
  export interface Params extends EnvironmentKey {
    direction: 'upgrade' | 'downgrade';
    /** What follows `alembic upgrade`/`downgrade`: an id, `heads`, `base`, `label@head`, `abc@-1`, `-1`... */
    destination: string;
    /** The database's version table rows now (empty: nothing applied). */
    current: string[];
  }
  export type Result =
    | {
        ok: true;
        direction: 'upgrade' | 'downgrade';
        destination: string;
        /** In the order Alembic runs them (`upgrade()`s oldest first; `downgrade()`s newest first). */
        steps: PlanStep[];
        /** An upgrade step is a merge point (it joins branches). */
        crossesMergePoint: boolean;
        /** A step is a branch point (other branches grow from it). */
        crossesBranchPoint: boolean;
        /** The version table rows Alembic leaves once the plan ran, sorted. */
        expectedCurrent: string[];
      }
    | {
        ok: false;
        /** Alembic's own message, as `alembic upgrade` prints after `FAILED:`. */
        error: string;
      };
}

/**
 * Sent by the client for New Revision and Merge Heads: the new file rendered from the
 * environment's script.py.mako, named by file_template, in the folder Alembic would use. The
 * server writes nothing; the client creates the file and opens it at `cursor`.
 */
export namespace ScaffoldRequest {
  export const method = 'alembicPilot/scaffold';
  export interface Params extends EnvironmentKey {
    kind: 'revision' | 'merge';
    message: string;
    /** A user-typed id (as `--rev-id`, e.g. `20260110_001`); a fresh 12-hex id when omitted. */
    revId?: string;
    /**
     * For `revision`: what the new revision sits on, as `alembic revision --head` takes it: a
     * head id, `label@head`, `head` (the single head), or `base` for a new base. `head` when omitted.
     */
    parent?: string;
    /** For `merge`: the heads to merge; the first group of `EnvironmentInfo.mergeHeads` when omitted. */
    heads?: string[];
    /** A branch label for the new revision (`--branch-label`), e.g. for a new base. */
    branchLabel?: string;
    /** For a new base with several version locations: one of `EnvironmentInfo.newBaseLocations`. */
    versionLocation?: string;
  }
  export type Result =
    | {
        ok: true;
        /** Absolute path where Alembic would write the file; it does not exist yet. */
        file: string;
        text: string;
        revId: string;
        downRevisions: string[];
        /** Inside `upgrade()`, at the start of its `pass` (or first body line). */
        cursor: ProtocolPosition;
      }
    | {
        ok: false;
        /**
         * True when Alembic itself can still do it: the template uses Mako beyond our subset, or
         * the config has post-write hooks or `revision_environment`. The client then runs the
         * runner's `revision` (or `merge`) operation with the same message, id, parent, label and
         * version location, and opens the file Alembic reports.
         */
        fallback: boolean;
        /** Alembic's own message where Alembic would refuse too (an id with `-`, a parent that is not a head...). */
        reason: string;
      };
}

/**
 * Sent by the server whenever the model of an environment changes (a revision file was edited,
 * created or deleted), so the client can refresh that environment's tree.
 */
export namespace GraphChangedNotification {
  export const method = 'alembicPilot/graphChanged';
  export interface Params {
    configFile: string;
  }
}

/**
 * Sent by the server after it discovered the environments again (a config file changed, was
 * created or deleted), so the client asks `alembicPilot/environments` anew: environments may
 * have appeared or gone.
 */
export namespace EnvironmentsChangedNotification {
  export const method = 'alembicPilot/environmentsChanged';
  export type Params = Record<string, never>;
}

/**
 * The commands a client can run for the server's CodeLenses: upgrade or downgrade the database
 * of an environment to a revision. Each takes `[revision, configFile]`.
 */
export namespace RevisionCommands {
  export const upgradeTo = 'alembicPilot.upgradeTo';
  export const downgradeTo = 'alembicPilot.downgradeTo';
  export type Arguments = [revision: string, configFile: string];
}

/**
 * Sent by the client in `initialize`, as `capabilities.experimental.alembicPilot`: which of
 * {@link RevisionCommands} it can run. The server shows a CodeLens only for a declared
 * command, so a client without them never shows a lens that does nothing.
 */
export namespace ClientCapabilities {
  export const key = 'alembicPilot';
  export interface Value {
    commands?: string[];
  }

  /** The declared commands, from the untyped `experimental` capabilities. */
  export function commands(experimental: unknown): Set<string> {
    if (typeof experimental !== 'object' || experimental === null) return new Set();
    const ours: unknown = (experimental as Record<string, unknown>)[key];
    if (typeof ours !== 'object' || ours === null) return new Set();
    const list: unknown = (ours as Record<string, unknown>)['commands'];
    return new Set(Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : []);
  }
}

/**
 * "Accept Existing Migrations": a `workspace/executeCommand` the server advertises, so the
 * client's command palette runs it without code of its own. It records each environment's
 * current heads as `lock-rules-start-after` (or only the environment of `configFile`).
 */
export namespace AcceptExistingCommand {
  export const command = 'alembicPilot.acceptExistingMigrations';
  export type Arguments = [configFile?: string];
  export interface Result {
    accepted: { configFile: string; pyproject: string; heads: string[] }[];
    /** One message per environment that could not be written. */
    failed: string[];
  }
}
