/**
 * Alembic Pilot's own LSP messages. Each is a namespace with its method name and its types, as
 * vscode-eslint does, so that the client and the server share one definition.
 */

export interface GraphRevision {
  id: string;
  /** Absolute path of the revision file. */
  file: string;
  downRevisions: string[];
  dependsOn: string[];
  /** Labels after Alembic's propagation along the branch. */
  branchLabels: string[];
  message: string;
  isHead: boolean;
  isBranchPoint: boolean;
  isMergePoint: boolean;
}

export interface GraphEnvironment {
  /** The alembic.ini or pyproject.toml that defines the environment. */
  configFile: string;
  section: string;
  heads: string[];
  bases: string[];
  /** Newest first, in `alembic history` order. */
  revisions: GraphRevision[];
  problemCount: number;
}

/** Sent by the client to draw the revision tree; the server owns the model and answers from it. */
export namespace GraphRequest {
  export const method = 'alembicPilot/graph';
  export interface Params {
    /** Restrict the answer to the environment of this config file. */
    configFile?: string;
  }
  export interface Result {
    environments: GraphEnvironment[];
  }
}

/** Sent by the server whenever the model of an environment changes, so the client can refresh. */
export namespace GraphChangedNotification {
  export const method = 'alembicPilot/graphChanged';
  export interface Params {
    configFile: string;
  }
}
