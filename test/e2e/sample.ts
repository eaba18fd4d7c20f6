import { inject } from 'vitest';
import { runChecked } from '../helpers/run';

/** What migrations-sample holds (see its README), as the flows check it. */

export const HEADS = ['ab93e5d7c162', 'e6a3f8c1b920'];
export const MERGE = '7d40e9b1f3a6';
export const BRANCH_POINT = '002';
export const ALL = ['e6a3f8c1b920', 'ab93e5d7c162', '41f7c2d9e8b3', '7d40e9b1f3a6', '5e1d9a0c7b24', 'c83f2b6e4a17', '002', '001', '9b2c41e7d05f'];

export const MESSAGES: Record<string, string> = {
  e6a3f8c1b920: 'add analytics daily usage',
  ab93e5d7c162: 'conversation timestamps with time zone',
  '41f7c2d9e8b3': 'expose tool calls to analytics',
  '7d40e9b1f3a6': 'merge feedback and turn cost',
  '5e1d9a0c7b24': 'create kraken_feedback',
  c83f2b6e4a17: 'widen turn cost, add reasoning tokens',
  '002': 'add user_id to conversations',
  '001': 'baseline schema',
  '9b2c41e7d05f': 'create analytics schema',
};

export const FILES: Record<string, string> = {
  '001': '2025_01_14_0930-001_baseline_schema.py',
  '002': '2025_02_03_1412-002_add_user_id_to_conversations.py',
  '5e1d9a0c7b24': '2025_02_20_1005-5e1d9a0c7b24_create_kraken_feedback.py',
  '41f7c2d9e8b3': '2025_03_25_0840-41f7c2d9e8b3_expose_tool_calls_to_analytics.py',
};

/** Runs the real Alembic 1.20 of the test venv on a flow's workspace, as an independent check. */
export async function alembic(folder: string, databaseUrl: string, ...args: string[]): Promise<string> {
  const result = await runChecked(inject('alembicPython'), ['-m', 'alembic', '-c', 'alembic.ini', ...args], {
    cwd: folder,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    timeoutMs: 120_000,
  });
  return result.stdout + result.stderr;
}
