import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `test-results/e2e/`: a screenshot per step, and results.json with every flow's outcome and the timings. */
export const RESULTS_DIR = path.resolve(__dirname, '../../test-results/e2e');
const RESULTS_FILE = path.join(RESULTS_DIR, 'results.json');

export interface FlowResult {
  flow: string;
  title: string;
  passed: boolean;
  durationMs: number;
  screenshots: string[];
  error?: string;
}

export interface Results {
  host?: string;
  flows: FlowResult[];
  /** Figures measured during the run, such as activation time. */
  metrics: Record<string, number | string>;
}

function read(): Results {
  if (!existsSync(RESULTS_FILE)) return { flows: [], metrics: {} };
  return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Results;
}

function write(results: Results): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2) + '\n');
}

/** Flows run one at a time, so a read-modify-write of the file never races. */
export function recordFlow(result: FlowResult, host: string): void {
  const results = read();
  results.host = host;
  results.flows = results.flows.filter((f) => f.flow !== result.flow).concat(result);
  write(results);
}

export function recordMetric(name: string, value: number | string): void {
  const results = read();
  results.metrics[name] = value;
  write(results);
}
