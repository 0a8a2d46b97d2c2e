/**
 * The test-control API under `/_emulator/` (reachable only with the emulator's Bearer key; not
 * counted in stats): faults, timings, stats and an instance peek. Bodies are validated with the
 * same zod schemas as the programmatic API.
 */
import { type ApiResult, json } from '../context.ts';
import { InvalidOptionsError } from '../errors.ts';
import { Faults, type LifecycleTimings, TimingsPatch, parseOptions } from '../config.ts';

/** What the admin routes act on; `startEmulator` implements it. */
export interface AdminControls {
  getFaults(): Faults;
  setFaults(faults: Faults): void;
  getTimings(): LifecycleTimings;
  setTimings(patch: Partial<LifecycleTimings>): void;
  stats(): { total: number; byEndpoint: Record<string, number> };
  resetStats(): void;
  listInstances(): unknown[];
}

function parseJson(raw: string): unknown {
  try {
    return raw.trim() === '' ? {} : (JSON.parse(raw) as unknown);
  } catch {
    throw new InvalidOptionsError('body is not valid JSON', []);
  }
}

/** Routes one admin request. Unknown paths answer 404. */
export function handleAdmin(admin: AdminControls, method: string, path: string, rawBody: string): ApiResult {
  try {
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /_emulator/faults':
        return json(admin.getFaults());
      case 'PUT /_emulator/faults':
        admin.setFaults(parseOptions(Faults, parseJson(rawBody), 'faults'));
        return json(admin.getFaults());
      case 'GET /_emulator/timings':
        return json(admin.getTimings());
      case 'PUT /_emulator/timings':
        admin.setTimings(parseOptions(TimingsPatch, parseJson(rawBody), 'timings'));
        return json(admin.getTimings());
      case 'GET /_emulator/stats':
        return json(admin.stats());
      case 'POST /_emulator/stats/reset':
        admin.resetStats();
        return json(admin.stats());
      case 'GET /_emulator/instances':
        return json(admin.listInstances());
      default:
        return json({ success: false, error: 'not_found', msg: `${route} is not an admin route` }, 404);
    }
  } catch (error) {
    if (error instanceof InvalidOptionsError) {
      return json({ success: false, error: 'invalid_args', msg: error.message, paths: error.paths }, 400);
    }
    throw error;
  }
}
