import type { ApprovalMode, SandboxSetting } from '@spark/agent';
import { CliError } from './cli-error.js';

/** An integer flag at least `min` (0 allows 0: e.g. `--port 0` picks a free port). */
export function intOption(name: string, raw: string | undefined, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new CliError(`--${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got '${raw}'`);
  }
  return value;
}

/** A flag that takes a number from `min` to `max`. */
export function numberOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new CliError(`--${name} must be a number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

export function parseApproval(raw: string): ApprovalMode {
  if (raw === 'ask' || raw === 'auto-in-workspace' || raw === 'never-ask') return raw;
  throw new CliError(`--approval must be ask, auto-in-workspace or never-ask, got '${raw}'`);
}

export function parseSandbox(raw: string): SandboxSetting {
  if (raw === 'auto' || raw === 'off') return raw;
  throw new CliError(`--sandbox must be auto or off, got '${raw}'`);
}

export function parseTransport(raw: string): 'auto' | 'websocket' | 'http' {
  if (raw === 'auto' || raw === 'websocket' || raw === 'http') return raw;
  throw new CliError(`--transport must be auto, websocket or http, got '${raw}'`);
}
