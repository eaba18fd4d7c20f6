// Types for the values that test/helpers/globalSetup.ts hands to tests through `inject()`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the shared test PostgreSQL server; tests create their own databases in it. */
    databaseUrl: string;
    /** The interpreter of the cached venv that has alembic 1.20.0, SQLAlchemy 2.x and both psycopg drivers. */
    alembicPython: string;
    /** The e2e suite's workbench host, prepared by test/e2e/globalSetup.ts. */
    e2eHost: import('../e2e/host/types').HostDescription;
  }
}

// This file must be a module, or the block above would declare a new 'vitest' module instead of
// augmenting the real one.
export {};
