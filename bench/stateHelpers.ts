// What bench/state.mjs needs from TypeScript, bundled by it with esbuild: the test harness's
// throwaway PostgreSQL and Alembic venv (so the benchmark runs what the tests run) and the
// extension's own state reader.
export { createDatabase, startPostgres } from '../test/helpers/postgres';
export { alembicPython, alembicVersionOf } from '../test/helpers/python';
export { pgTarget } from '../server/src/db/pgOptions';
export { VersionStateReader, versionTableFor } from '../server/src/db/versionState';
